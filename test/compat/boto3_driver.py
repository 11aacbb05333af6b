#!/usr/bin/python3
"""Drives boto3 for the compatibility tests (test/support/clients.ts).

Reads one JSON request per line on stdin:
  {"id": 1, "service": "ec2"|"elbv2", "op": "CreateVpc", "params": {...},
   "endpoint": "http://127.0.0.1:P", "region": "us-east-1", "key": "...", "secret": "..."}
and answers one JSON line on stdout: {"id": 1, "ok": <output>} or
{"id": 1, "error": {"Code": ..., "Message": ...}, "status": 400} (or {"id": 1, "crash": "..."}).
Every client gets endpoint_url explicitly and makes one attempt, so nothing leaves the machine.
"""
import datetime
import json
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

_clients = {}


def client(req):
    key = (req["service"], req["endpoint"], req["region"], req["key"], req["secret"])
    c = _clients.get(key)
    if c is None:
        c = boto3.session.Session().client(
            req["service"],
            endpoint_url=req["endpoint"],
            region_name=req["region"],
            aws_access_key_id=req["key"],
            aws_secret_access_key=req["secret"],
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=True),
        )
        _clients[key] = c
    return c


def to_json(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        value = value.astimezone(datetime.timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(repr(value))


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        out = {"id": req["id"]}
        try:
            c = client(req)
            method = getattr(c, botocore.xform_name(req["op"]))
            result = method(**req["params"])
            result.pop("ResponseMetadata", None)
            out["ok"] = result
        except ClientError as e:
            err = e.response.get("Error", {})
            out["error"] = {"Code": err.get("Code", ""), "Message": err.get("Message", "")}
            out["status"] = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        except Exception as e:  # noqa: BLE001 - reported to the test as a crash
            out["crash"] = "%s: %s" % (type(e).__name__, e)
        sys.stdout.write(json.dumps(out, default=to_json) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
