#!/usr/bin/python3
"""Runs Debian's AWS CLI v2 (the awscli package /usr/bin/aws runs) for many commands in one process.

Starting /usr/bin/aws costs about a second of CPU per command; the compatibility tests run most of
their CLI commands here instead: the same clidriver, argument parsing, --cli-input-json handling,
request signing and JSON output as /usr/bin/aws, one driver per account (its environment).

Reads one JSON request per line on stdin: {"id": 1, "args": [...], "env": {...}} and answers
{"id": 1, "rc": 0, "stdout": "...", "stderr": "..."}. The caller always passes --endpoint-url.
"""
import io
import json
import os
import sys

if os.environ.get('LC_CTYPE', '') == 'UTF-8':
    os.environ['LC_CTYPE'] = 'en_US.UTF-8'
import awscli.clidriver  # noqa: E402

_real_stdout = sys.stdout


# One driver per environment (an account's credentials): building one loads the command table,
# which is most of a command's cost; a driver resolves its credentials once, from the environment
# it was built in.
_drivers = {}


def driver_for(env):
    key = json.dumps(env, sort_keys=True)
    d = _drivers.get(key)
    if d is None:
        for k, v in env.items():
            os.environ[k] = v
        d = awscli.clidriver.create_clidriver()
        _drivers[key] = d
    return d


def run(req):
    env = req.get("env", {})
    d = driver_for(env)
    for k, v in env.items():
        os.environ[k] = v
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    try:
        rc = d.main(req["args"])
    except SystemExit as e:  # argparse errors
        rc = e.code if isinstance(e.code, int) else 255
    finally:
        sys.stdout, sys.stderr = _real_stdout, sys.__stderr__
    return {"id": req["id"], "rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        try:
            res = run(req)
        except Exception as e:  # noqa: BLE001 - reported to the test
            res = {"id": req["id"], "rc": 255, "stdout": "", "stderr": "driver crash: %s: %s" % (type(e).__name__, e)}
        _real_stdout.write(json.dumps(res) + "\n")
        _real_stdout.flush()


if __name__ == "__main__":
    main()
