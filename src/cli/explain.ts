/**
 * `underpass explain`: asks the running Underpass why a source in a VPC can or cannot connect to
 * an endpoint address (or vpce-… id) and port, and prints the data plane's own checks in order
 * (`GET /_underpass/explain`, answered by `explainFlow` over the applied desired state).
 */
import type { ExplainAnswer } from '../policy/explain.js';

export interface ExplainArgs {
  vpc: string;
  from: string;
  to: string;
  port: number;
  zone?: string;
}

/** The admin API's query string for `args`. */
export function explainQuery(args: ExplainArgs): string {
  const q = new URLSearchParams({ vpc: args.vpc, from: args.from, to: args.to, port: String(args.port) });
  if (args.zone) q.set('zone', args.zone);
  return q.toString();
}

/** Human lines: one per check, then the verdict. */
export function formatExplain(args: ExplainArgs, a: ExplainAnswer): string[] {
  const lines = [`${args.from} (${args.vpc}) → ${args.to}:${args.port}`];
  for (const s of a.steps) lines.push(`  ${s.ok ? 'ok  ' : 'FAIL'} ${s.check}: ${s.detail}`);
  if (a.admit) {
    lines.push(`admitted: to ${a.target.ip}:${a.target.port} from ${a.localAddress}${a.proxyProtocolV2 ? ', PROXY v2 header first' : ''} (the target varies with the source port)`);
  } else {
    lines.push(`refused (${a.stage}): ${a.reason}`);
  }
  return lines;
}
