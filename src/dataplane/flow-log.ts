/**
 * The flow log: each `FlowRecord` becomes one line of a VPC Flow Logs custom-format record, as
 * seen on the endpoint's network interface, and `FlowLogWriter` appends those lines to a file
 * (buffered, one write per flush, bounded memory, rotation to one `.1`, errors reported through
 * `onError`, never thrown). `parseFlowLogLine` reads a line back (tests, the console's filter).
 *
 * Format: the AWS fields below, in the order of AWS's field table, then three fields of ours
 * (prefixed `underpass-`); a file starts with a header line of the field names, as AWS writes
 * at the top of a custom-format file in S3. The version is 8, the highest version among the AWS
 * fields used (reject-reason). Values: account-id is the endpoint owner, interface-id the ENI,
 * srcaddr/srcport the client, dstaddr/dstport the ENI address and listener port, protocol 6 (TCP),
 * packets `-` (we see bytes, not packets), bytes both directions added (AWS logs one record per
 * direction), start/end Unix seconds, flow-direction `ingress`, reject-reason the `RefusalStage`
 * token of a REJECT (AWS itself defines only `BPA` there), `-` wherever a value is unknown.
 * `underpass-target-addr`/`-port` are the target picked; `underpass-reason` is the human reason
 * with `_` for spaces and `%XX` for `%`, `_` and anything not printable ASCII. Lost lines
 * (buffer full) are marked by a record with log-status SKIPDATA that says how many.
 */
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FlowRecord, ListenerLabels, RefusalStage } from './flow-record.js';
import type { Scheduler } from './idle-wheel.js';

/** The fields of a line, in order. */
export const FLOW_LOG_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes',
  'start', 'end', 'action', 'log-status', 'vpc-id', 'subnet-id', 'az-id', 'flow-direction', 'reject-reason',
  'underpass-target-addr', 'underpass-target-port', 'underpass-reason',
] as const;

/** The first line of every flow log file. */
export const FLOW_LOG_HEADER = FLOW_LOG_FIELDS.join(' ');

/** The record version: the highest VPC Flow Logs version among the AWS fields used (reject-reason: 8). */
export const FLOW_LOG_VERSION = 8;

const STAGES: ReadonlySet<string> = new Set<RefusalStage>([
  'endpoint-state', 'security-group', 'no-listener', 'unbound', 'no-target', 'target-refused', 'internal',
]);

/** Free text as one space-free token: `_` for space, `%XX` (UTF-8) for `%`, `_` and non-printables. */
export function encodeToken(text: string): string {
  if (text === '') return '-';
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === ' ') out += '_';
    else if (c > 0x20 && c < 0x7f && ch !== '%' && ch !== '_') out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out === '-' ? '%2D' : out;
}

/** The inverse of `encodeToken` (`-` is no value: null); undefined when the token is malformed. */
export function decodeToken(token: string): string | null | undefined {
  if (token === '-') return null;
  if (/%(?![0-9A-F]{2})/.test(token)) return undefined;
  try {
    return decodeURIComponent(token.replace(/_/g, ' '));
  } catch {
    return undefined;
  }
}

const dash = (v: string | number | undefined | null): string => (v === undefined || v === null || v === '' ? '-' : String(v));

/**
 * One flow record as a line (no trailing newline). `labels` are the record's listener's; without
 * them the consumer-side fields are `-` and interface-id comes from the listener id.
 */
export function formatFlowLogLine(r: FlowRecord, labels?: ListenerLabels): string {
  const eni = labels?.eniId ?? r.listenerId.split(':')[0];
  const bytes = r.bytesIn + r.bytesOut;
  return [
    FLOW_LOG_VERSION, dash(labels?.endpointAccount), dash(eni), dash(r.srcIp), dash(r.dstIp), dash(r.srcPort), dash(r.dstPort),
    6, '-', Number.isFinite(bytes) ? bytes : '-', Math.floor(r.startMs / 1000), Math.floor(r.endMs / 1000), r.action, 'OK',
    dash(labels?.vpcId), dash(labels?.subnetId), dash(labels?.zoneId), 'ingress',
    r.action === 'REJECT' ? dash(r.stage) : '-',
    dash(r.targetIp), dash(r.targetPort), encodeToken(r.reason),
  ].join(' ');
}

/** The SKIPDATA record that stands for `count` lines lost between `startMs` and `endMs`. */
export function skipDataLine(count: number, startMs: number, endMs: number): string {
  return [
    FLOW_LOG_VERSION, '-', '-', '-', '-', '-', '-', '-', '-', '-', Math.floor(startMs / 1000), Math.floor(endMs / 1000), '-', 'SKIPDATA',
    '-', '-', '-', '-', '-', '-', '-', encodeToken(`${count} flow records dropped: write buffer full`),
  ].join(' ');
}

/** One parsed record; `null` where the line has `-`. */
export interface FlowLogEntry {
  version: number;
  accountId: string | null;
  interfaceId: string | null;
  srcAddr: string | null;
  dstAddr: string | null;
  srcPort: number | null;
  dstPort: number | null;
  protocol: number | null;
  packets: number | null;
  bytes: number | null;
  start: number;
  end: number;
  action: 'ACCEPT' | 'REJECT' | null;
  logStatus: 'OK' | 'NODATA' | 'SKIPDATA';
  vpcId: string | null;
  subnetId: string | null;
  azId: string | null;
  flowDirection: 'ingress' | 'egress' | null;
  rejectReason: RefusalStage | null;
  targetAddr: string | null;
  targetPort: number | null;
  reason: string | null;
}

export type ParsedFlowLogLine =
  | { kind: 'record'; entry: FlowLogEntry }
  | { kind: 'header' }
  | { kind: 'invalid'; reason: string };

/** Reads one line of the format above (without its newline); never throws. */
export function parseFlowLogLine(line: string): ParsedFlowLogLine {
  if (line === FLOW_LOG_HEADER) return { kind: 'header' };
  const f = line.split(' ');
  if (f.length !== FLOW_LOG_FIELDS.length) return { kind: 'invalid', reason: `${f.length} fields, expected ${FLOW_LOG_FIELDS.length}` };
  const bad = (i: number, why: string): ParsedFlowLogLine => ({ kind: 'invalid', reason: `${FLOW_LOG_FIELDS[i]} '${f[i]}': ${why}` });
  const text = (i: number): string | null => (f[i] === '-' ? null : f[i]!);
  const ints: (number | null)[] = [];
  for (const i of [0, 5, 6, 7, 8, 9, 10, 11, 20]) {
    const v = f[i]!;
    if (v === '-' && i !== 0 && i !== 10 && i !== 11) ints[i] = null;
    else if (/^(0|[1-9][0-9]*)$/.test(v) && Number.isSafeInteger(Number(v))) ints[i] = Number(v);
    else return bad(i, 'not a non-negative integer');
  }
  if (!['ACCEPT', 'REJECT', '-'].includes(f[12]!)) return bad(12, 'not ACCEPT, REJECT or -');
  if (!['OK', 'NODATA', 'SKIPDATA'].includes(f[13]!)) return bad(13, 'not OK, NODATA or SKIPDATA');
  if (!['ingress', 'egress', '-'].includes(f[17]!)) return bad(17, 'not ingress, egress or -');
  if (f[18] !== '-' && !STAGES.has(f[18]!)) return bad(18, 'not a refusal stage');
  for (const [i, v] of f.entries()) if (v === '') return bad(i, 'empty');
  const reason = decodeToken(f[21]!);
  if (reason === undefined) return bad(21, 'malformed %-escape');
  return {
    kind: 'record',
    entry: {
      version: ints[0]!, accountId: text(1), interfaceId: text(2), srcAddr: text(3), dstAddr: text(4),
      srcPort: ints[5]!, dstPort: ints[6]!, protocol: ints[7]!, packets: ints[8]!, bytes: ints[9]!,
      start: ints[10]!, end: ints[11]!,
      action: f[12] === '-' ? null : (f[12] as 'ACCEPT' | 'REJECT'),
      logStatus: f[13] as FlowLogEntry['logStatus'],
      vpcId: text(14), subnetId: text(15), azId: text(16),
      flowDirection: f[17] === '-' ? null : (f[17] as 'ingress' | 'egress'),
      rejectReason: f[18] === '-' ? null : (f[18] as RefusalStage),
      targetAddr: text(19), targetPort: ints[20]!, reason,
    },
  };
}

// ── the writer ──────────────────────────────────────────────────────────────────────────────────

export interface FlowLogWriterOptions {
  /** The file, e.g. `<dataDir>/flow-logs/flows.log`; its folder is created. */
  path: string;
  /** Buffered lines are written at least this often. */
  flushIntervalMs?: number; // default 1000
  /** Lines held in memory (another as many may be in flight); past it lines are dropped and counted. */
  maxBufferedLines?: number; // default 10_000
  /** Rotate (to `<path>.1`, replacing it) before a write would take the file past this. */
  maxFileBytes?: number; // default 64 MiB
  /** Write and rotation errors (the lines of a failed write are lost and counted). */
  onError?: (err: Error) => void;
  /** Default: the global timers, unref'd. */
  scheduler?: Scheduler;
  /** Wall clock in epoch ms, for the SKIPDATA record's window. */
  now?: () => number;
}

export interface FlowLogWriterStats {
  /** Lines written (records and SKIPDATA records; not headers). */
  written: number;
  /** Records dropped because the buffer was full or the writer closed. */
  dropped: number;
  /** Lines lost to failed writes. */
  failed: number;
  rotations: number;
  buffered: number;
}

const timers: Scheduler = {
  setInterval(fn, ms) { const h = setInterval(fn, ms); h.unref(); return h; },
  clearInterval(h) { clearInterval(h as ReturnType<typeof setInterval>); },
};

const HEADER_LINE = `${FLOW_LOG_HEADER}\n`;
const HEADER_BYTES = Buffer.byteLength(HEADER_LINE);

export class FlowLogWriter {
  readonly path: string;
  readonly #maxLines: number;
  readonly #maxFileBytes: number;
  readonly #onError: (err: Error) => void;
  readonly #scheduler: Scheduler;
  readonly #now: () => number;
  readonly #timer: unknown;
  #buffer: string[] = [];
  /** Drops not yet marked by a SKIPDATA record, and their window. */
  #pendingDrops = 0;
  #dropStartMs = 0;
  #dropEndMs = 0;
  #file: FileHandle | null = null;
  #size = 0;
  /** Flushes run one after another; a queued one that has not started is shared. */
  #tail: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  readonly #stats = { written: 0, dropped: 0, failed: 0, rotations: 0 };

  constructor(opts: FlowLogWriterOptions) {
    this.path = opts.path;
    this.#maxLines = Math.max(1, opts.maxBufferedLines ?? 10_000);
    this.#maxFileBytes = opts.maxFileBytes ?? 64 * 1024 * 1024;
    this.#onError = opts.onError ?? (() => {});
    this.#scheduler = opts.scheduler ?? timers;
    this.#now = opts.now ?? Date.now;
    this.#timer = this.#scheduler.setInterval(() => void this.flush(), opts.flushIntervalMs ?? 1000);
  }

  get stats(): FlowLogWriterStats {
    return { ...this.#stats, buffered: this.#buffer.length };
  }

  /** Queue one record; never throws, never waits. */
  append(record: FlowRecord, labels?: ListenerLabels): void {
    if (this.#closing) {
      this.#stats.dropped++; // no later flush to carry a SKIPDATA record
      return;
    }
    if (this.#buffer.length >= this.#maxLines) return this.#drop();
    let line: string;
    try {
      line = formatFlowLogLine(record, labels);
    } catch (err) {
      this.#report(err);
      return this.#drop();
    }
    this.#buffer.push(line);
    if (this.#buffer.length * 2 >= this.#maxLines) void this.flush();
  }

  /** Write everything appended so far; resolves when done (never rejects). */
  flush(): Promise<void> {
    if (this.#queued) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = null;
      return this.#drain();
    });
    this.#queued = run;
    this.#tail = run;
    return run;
  }

  /** Stop the timer, write what is buffered and close the file. Appends after this are dropped. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#scheduler.clearInterval(this.#timer);
      this.#closing = this.flush().then(() => this.#closeFile());
    }
    return this.#closing;
  }

  #drop(): void {
    const t = this.#now();
    if (this.#pendingDrops === 0) this.#dropStartMs = t;
    this.#dropEndMs = t;
    this.#pendingDrops++;
    this.#stats.dropped++;
  }

  #report(err: unknown): void {
    try {
      this.#onError(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // a failing error callback must not reach the data plane
    }
  }

  async #drain(): Promise<void> {
    const lines = this.#buffer;
    this.#buffer = [];
    if (this.#pendingDrops > 0) {
      lines.push(skipDataLine(this.#pendingDrops, this.#dropStartMs, this.#dropEndMs));
      this.#pendingDrops = 0;
    }
    if (lines.length === 0) return;
    const done = { lines: 0 };
    try {
      await this.#write(lines, done);
    } catch (err) {
      this.#stats.failed += lines.length - done.lines;
      await this.#closeFile();
      this.#report(err);
    }
  }

  /** Append `lines`, rotating first whenever the next line would take the file past the limit. */
  async #write(lines: string[], done: { lines: number }): Promise<void> {
    let file = await this.#open();
    let chunk: string[] = [];
    let chunkBytes = 0;
    const put = async (): Promise<void> => {
      if (chunk.length === 0) return;
      await file.write(chunk.join(''));
      this.#size += chunkBytes;
      done.lines += chunk.length;
      this.#stats.written += chunk.length;
      chunk = [];
      chunkBytes = 0;
    };
    for (const line of lines) {
      const text = `${line}\n`;
      const bytes = Buffer.byteLength(text);
      if (this.#size + chunkBytes + bytes > this.#maxFileBytes && this.#size + chunkBytes > HEADER_BYTES) {
        await put();
        file = await this.#rotate();
      }
      chunk.push(text);
      chunkBytes += bytes;
    }
    await put();
  }

  /** The open file; opening writes the header into an empty file and rotates away a file of another format. */
  async #open(): Promise<FileHandle> {
    if (this.#file) return this.#file;
    await mkdir(dirname(this.path), { recursive: true });
    let size = 0;
    try {
      size = (await stat(this.path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (size > 0 && (await firstBytes(this.path, HEADER_BYTES)) !== HEADER_LINE) {
      await rename(this.path, `${this.path}.1`);
      this.#stats.rotations++;
      size = 0;
    }
    const file = await open(this.path, 'a');
    try {
      if (size === 0) {
        await file.write(HEADER_LINE);
        size = HEADER_BYTES;
      }
    } catch (err) {
      await file.close().catch(() => {});
      throw err;
    }
    this.#file = file;
    this.#size = size;
    return file;
  }

  async #rotate(): Promise<FileHandle> {
    await this.#closeFile();
    await rename(this.path, `${this.path}.1`);
    this.#stats.rotations++;
    return this.#open();
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = null;
    if (file) await file.close().catch((err: unknown) => this.#report(err));
  }
}

async function firstBytes(path: string, n: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await file.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}
