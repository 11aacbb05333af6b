/**
 * `DnsWorkerProcess`: the parent's handle on the resolver program (dns-worker.ts), started once on
 * the host. `configure` sends the networks and DNS records of a desired state and the upstream;
 * `attach` hands it a VPC resolver's UDP socket or TCP server (made in the VPC's namespace by a
 * listen helper) or the host listener's, closing this process's copy.
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Server } from 'node:net';
import type { ProcessHost } from '../net/backend.js';
import type { DesiredDnsRecord, DesiredNetwork, DesiredResolverRule } from '../reconcile/desired-state.js';
import type { DnsWorkerReply, DnsWorkerRequest } from './dns-worker.js';
import { handOver, spawnReady, stopChild, withTimeout } from './listeners.js';

export class DnsWorkerProcess {
  readonly #waiters = new Map<string, (r: DnsWorkerReply) => void>();
  /** The last counters the worker reported (every 5 s). */
  stats: Omit<Extract<DnsWorkerReply, { type: 'stats' }>, 'type'> = { queries: 0, answered: 0, forwarded: 0, dropped: 0, failed: 0 };

  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: unknown) => {
      const r = m as DnsWorkerReply;
      if (r.type === 'stats') { const { type: _t, ...rest } = r; this.stats = rest; return; }
      const key = r.type === 'configured' ? ' config' : 'id' in r ? r.id : '';
      const w = this.#waiters.get(key);
      if (w) { this.#waiters.delete(key); w(r); }
    });
  }

  /** Starts the worker where `host` runs processes for the host namespace (`''` = the host itself). */
  static async start(host: ProcessHost, namespace: string): Promise<DnsWorkerProcess> {
    const { child } = await spawnReady(host, namespace, 'dns-worker.ts', 'resolver worker');
    // Its lifetime follows the parent's, never the other way round: it exits when the IPC channel
    // closes, and it must not keep a parent that forgot to close it from exiting.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    for (const pipe of [child.stdout, child.stderr]) (pipe as { unref?: () => void } | null)?.unref?.();
    return new DnsWorkerProcess(child);
  }

  get alive(): boolean { return this.child.exitCode === null && this.child.signalCode === null && this.child.connected; }

  #request(key: string, send: () => Promise<void>, timeoutMs = 5000): Promise<DnsWorkerReply> {
    const p = new Promise<DnsWorkerReply>((resolve) => this.#waiters.set(key, resolve));
    return withTimeout(send().then(() => p), timeoutMs, `resolver worker: ${key.trim()}`).catch((e) => { this.#waiters.delete(key); throw e; });
  }

  #send(msg: DnsWorkerRequest): Promise<void> {
    return new Promise((resolve, reject) => this.child.send(msg, (err) => (err ? reject(err) : resolve())));
  }

  async configure(c: { version: number; networks: DesiredNetwork[]; dnsRecords: DesiredDnsRecord[]; upstream?: { host: string; port: number }; rules?: DesiredResolverRule[] }): Promise<void> {
    await this.#request(' config', () => this.#send({ type: 'config', ...c }));
  }

  /** Hands over a bound UDP socket or a listening TCP server answering for `scope` (a VPC id or 'host'). */
  async attach(id: string, scope: string, handle: UdpSocket | Server): Promise<void> {
    const transport = 'send' in handle ? 'udp' : 'tcp';
    const r = await this.#request(id, () => handOver(this.child, { type: 'attach', id, scope, transport } satisfies DnsWorkerRequest, handle));
    if (r.type === 'error') throw new Error(`resolver worker: attach ${id}: ${r.message}`);
  }

  async detach(id: string): Promise<void> {
    await this.#request(id, () => this.#send({ type: 'detach', id }));
  }

  close(): Promise<void> {
    return stopChild(this.child, 1000);
  }
}
