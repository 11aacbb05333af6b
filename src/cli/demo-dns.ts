/**
 * The demo's stand-in for the public DNS: a tiny authoritative server on 127.0.0.1 (UDP and TCP,
 * any free port) for one domain. It holds the provider's public address for the service's name,
 * and the TXT record the provider publishes to prove it owns the name; the demo's Underpass uses
 * it as `--public-dns`. Names outside the domain get REFUSED.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import dnsPacket from 'dns-packet';

export interface DemoDns {
  port: number;
  /** Publishes (replaces) the TXT records of `name`. */
  setTxt(name: string, values: string[]): void;
  close(): Promise<void>;
}

function answer(domain: string, a: Map<string, string>, txt: Map<string, string[]>, query: Buffer): Buffer | undefined {
  let q: dnsPacket.Packet;
  try { q = dnsPacket.decode(query); } catch { return undefined; }
  const question = q.questions?.[0];
  if (!question) return undefined;
  const name = question.name.toLowerCase().replace(/\.$/, '');
  const inZone = name === domain || name.endsWith(`.${domain}`);
  const answers: dnsPacket.Answer[] = [];
  if (question.type === 'A' && a.has(name)) answers.push({ type: 'A', name: question.name, ttl: 60, data: a.get(name)! });
  if (question.type === 'TXT' && txt.has(name)) for (const v of txt.get(name)!) answers.push({ type: 'TXT', name: question.name, ttl: 60, data: v });
  const known = a.has(name) || txt.has(name) || name === domain;
  const rcode = !inZone ? 'REFUSED' : answers.length || known ? 'NOERROR' : 'NXDOMAIN';
  return dnsPacket.encode({
    id: q.id, type: 'response', flags: dnsPacket.AUTHORITATIVE_ANSWER | (rcode === 'REFUSED' ? 5 : rcode === 'NXDOMAIN' ? 3 : 0),
    questions: [question], answers,
  });
}

/** Starts the server for `domain` with the given A records (name → address). */
export async function startDemoDns(domain: string, aRecords: Record<string, string>): Promise<DemoDns> {
  const a = new Map(Object.entries(aRecords).map(([k, v]) => [k.toLowerCase(), v]));
  const txt = new Map<string, string[]>();
  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    const r = answer(domain, a, txt, msg);
    if (r) udp.send(r, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(0, '127.0.0.1', () => resolve()); });
  const port = udp.address().port;
  const tcp: Server = createServer((c) => {
    c.on('error', () => {});
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const r = answer(domain, a, txt, buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        if (r) { const h = Buffer.alloc(2); h.writeUInt16BE(r.length); c.write(Buffer.concat([h, r])); }
      }
    });
  });
  // TCP on the same port when free (UDP is what resolvers use first; TCP only after a truncated answer).
  await new Promise<void>((resolve) => { tcp.once('error', () => resolve()); tcp.listen(port, '127.0.0.1', () => resolve()); });
  return {
    port,
    setTxt(name, values) { txt.set(name.toLowerCase().replace(/\.$/, ''), values); },
    async close() {
      udp.close();
      if (tcp.listening) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
