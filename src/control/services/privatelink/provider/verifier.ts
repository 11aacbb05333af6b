/**
 * The private DNS name verifier: every poll it picks the services whose name is due for a check
 * (a read transaction), looks their TXT records up in the public DNS outside any transaction, and
 * records each result in a short write transaction — only if the name, its token and the pending
 * request are still the ones it checked (a Start or a rename during the lookup wins).
 * `app.ts` starts one next to the transition ticker; tests may start their own with short intervals.
 */
import { lookupTxt, type DnsServer, type TxtLookupOptions } from '../../../dns-txt.js';
import type { ControlConfig } from '../../../api/context.js';
import type { EndpointServiceDoc } from '../../../resources.js';
import type { Store } from '../../../store/store.js';
import {
  NO_PUBLIC_DNS, checkDue, evaluateLookups, nextVerificationState, verificationNames,
  type CheckOutcome, type CheckTrigger, type StoredDnsConfiguration,
} from './verification.js';

export interface VerifierOptions {
  /** How often due services are picked, in ms. */
  pollMs?: number;
  /** How often a checked name is checked again, in ms (AWS does not publish its interval). */
  recheckMs?: number;
  /** Bounds of each TXT lookup. */
  lookup?: TxtLookupOptions;
  /** The clock (tests inject one). */
  now?: () => Date;
  /** Where state changes and their reasons are reported. */
  log?: (line: string) => void;
}

export const DEFAULT_VERIFIER_OPTIONS = {
  pollMs: 250,
  recheckMs: 10 * 60_000,
} as const;

/** A check picked from the store, with what must still hold when its result is recorded. */
interface DueCheck {
  serviceId: string;
  privateDnsName: string;
  name: string;
  value: string;
  requestedAt: string | undefined;
  trigger: CheckTrigger;
}

export interface PrivateDnsVerifier {
  /** Checks every due name now and records the results (the timer calls it; tests may too). */
  checkDue(): Promise<void>;
  /** Stops the timer and waits for a running pass. */
  stop(): Promise<void>;
}

/** Services whose private DNS name is due for a check. */
async function pickDue(store: Store, now: Date, recheckMs: number): Promise<DueCheck[]> {
  return store.transaction(false, async (tx) => {
    const out: DueCheck[] = [];
    for (const s of await tx.list('endpoint-service')) {
      const config = s.privateDnsNameConfiguration as StoredDnsConfiguration | undefined;
      if (!s.privateDnsName || !config || s.state === 'Deleting' || s.state === 'Deleted') continue;
      const trigger = checkDue(config, now, recheckMs);
      if (trigger) {
        out.push({ serviceId: s.id, privateDnsName: s.privateDnsName, name: config.name, value: config.value, requestedAt: config.requestedAt, trigger });
      }
    }
    return out;
  });
}

/** Looks the verification names up and concludes. */
async function runCheck(check: DueCheck, server: DnsServer | undefined, lookup: TxtLookupOptions): Promise<CheckOutcome> {
  if (!server) return NO_PUBLIC_DNS;
  const names = verificationNames(check.privateDnsName, check.name);
  const lookups = await Promise.all(names.map(async (name) => ({ name, answer: await lookupTxt(server, name, lookup) })));
  return evaluateLookups(check.value, lookups);
}

/** Records a check's result if the service still has the name, token and request it was checked for. */
async function record(store: Store, check: DueCheck, outcome: CheckOutcome, now: Date, log: (line: string) => void): Promise<void> {
  const change = await store.transaction(true, async (tx) => {
    const s = await tx.get('endpoint-service', check.serviceId);
    const config = s?.privateDnsNameConfiguration as StoredDnsConfiguration | undefined;
    if (!s || !config || s.privateDnsName !== check.privateDnsName || config.name !== check.name || config.value !== check.value
      || config.requestedAt !== check.requestedAt) return undefined;
    const next = nextVerificationState(config.state, check.trigger, outcome.result);
    const updated: StoredDnsConfiguration = { ...config, state: next.state, checkedAt: now.toISOString(), reason: outcome.reason };
    delete updated.requestedAt;
    const doc: EndpointServiceDoc = { ...structuredClone(s), privateDnsNameConfiguration: updated };
    await tx.put(doc);
    return config.state !== next.state ? { from: config.state, to: next.state } : undefined;
  });
  if (change) {
    log(`underpass: private DNS name ${check.privateDnsName} of ${check.serviceId}: ${change.from} → ${change.to} (${outcome.reason})`);
  } else if (check.trigger === 'requested' && outcome.result !== 'found') {
    log(`underpass: private DNS name ${check.privateDnsName} of ${check.serviceId}: not verified (${outcome.reason})`);
  }
}

/** Starts verifying private DNS names against `config.publicDns`. */
export function startPrivateDnsVerifier(store: Store, config: ControlConfig, opts: VerifierOptions = {}): PrivateDnsVerifier {
  const pollMs = opts.pollMs ?? DEFAULT_VERIFIER_OPTIONS.pollMs;
  const recheckMs = opts.recheckMs ?? DEFAULT_VERIFIER_OPTIONS.recheckMs;
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? ((line: string) => console.warn(line));
  let running: Promise<void> | undefined;
  let stopped = false;

  const pass = async () => {
    const due = await pickDue(store, now(), recheckMs);
    await Promise.all(due.map(async (check) => {
      const outcome = await runCheck(check, config.publicDns, opts.lookup ?? {});
      if (!stopped) await record(store, check, outcome, now(), log);
    }));
  };
  const checkDueNow = async () => {
    while (running) await running.catch(() => {});
    if (stopped) return;
    running = pass().finally(() => { running = undefined; });
    await running;
  };
  const timer = setInterval(() => {
    if (running) return;
    checkDueNow().catch((e: unknown) => { if (!stopped) console.error('underpass: private DNS verification pass failed', e); });
  }, pollMs);
  timer.unref();

  return {
    checkDue: checkDueNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (running) await running.catch(() => {});
    },
  };
}
