/**
 * The console's flow-log view: the tail of the data plane's flow log (`flows.log`, then its
 * rotated `.1` when the tail is not enough), parsed with `parseFlowLogLine`, newest first, kept
 * to records of network interfaces the account owns (a flow log belongs to the ENI's owner) and
 * to the action and text asked for. `selectFlows` is pure; `readFlows` reads the files.
 */
import { open } from 'node:fs/promises';
import { parseFlowLogLine, type FlowLogEntry } from '../../dataplane/flow-log.js';

/** How much of the end of each file is read. */
export const TAIL_BYTES = 2 * 1024 * 1024;
export const DEFAULT_FLOW_LIMIT = 200;
export const MAX_FLOW_LIMIT = 1000;

export interface FlowQuery {
  /** Network interfaces whose records the caller may see. */
  interfaceIds: ReadonlySet<string>;
  action?: 'ACCEPT' | 'REJECT';
  /** Case-insensitive substring of the line (or of its decoded reason). */
  text?: string;
  limit: number;
}

/** The records of `lines` (oldest first, as written) that `q` keeps, newest first, at most `q.limit`. */
export function selectFlows(lines: readonly string[], q: FlowQuery): FlowLogEntry[] {
  const text = q.text?.toLowerCase();
  const out: FlowLogEntry[] = [];
  for (let i = lines.length - 1; i >= 0 && out.length < q.limit; i--) {
    const line = lines[i]!;
    const parsed = parseFlowLogLine(line);
    if (parsed.kind !== 'record') continue;
    const e = parsed.entry;
    if (e.interfaceId === null || !q.interfaceIds.has(e.interfaceId)) continue;
    if (q.action && e.action !== q.action) continue;
    if (text && !line.toLowerCase().includes(text) && !(e.reason ?? '').toLowerCase().includes(text)) continue;
    out.push(e);
  }
  return out;
}

/** The complete lines of the last `maxBytes` of `path` (and whether that was the whole file); undefined when absent. */
export async function tailLines(path: string, maxBytes = TAIL_BYTES): Promise<{ lines: string[]; whole: boolean } | undefined> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = (await file.stat()).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await file.read(buf, 0, buf.length, start);
    const lines = buf.subarray(0, bytesRead).toString('utf8').split('\n');
    if (start > 0) lines.shift(); // cut mid-line
    if (lines.at(-1) === '') lines.pop();
    return { lines, whole: start === 0 };
  } finally {
    await file.close();
  }
}

/** The records `q` selects from the flow log at `path` (its `.1` too when needed); available: false when there is no log. */
export async function readFlows(path: string, q: FlowQuery): Promise<{ available: boolean; records: FlowLogEntry[] }> {
  const current = await tailLines(path);
  const records = current ? selectFlows(current.lines, q) : [];
  if (records.length < q.limit && (!current || current.whole)) {
    const rotated = await tailLines(`${path}.1`);
    if (rotated) records.push(...selectFlows(rotated.lines, { ...q, limit: q.limit - records.length }));
    if (!current && !rotated) return { available: false, records: [] };
  }
  return { available: true, records };
}
