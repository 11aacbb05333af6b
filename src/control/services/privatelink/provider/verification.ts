/**
 * Private DNS name ownership verification, the pure part: which TXT names prove a private DNS
 * name, what a set of lookups concludes, when a name is due for a check, and the state machine
 * (`pendingVerification` / `verified` / `failed`) as one table that the verifier and the docs read.
 *
 * AWS (PrivateLink guide, "Manage DNS names"; reference §4.3, §5.4): the provider publishes a TXT
 * record named `<Name>.<domain>` — or at the domain itself when its DNS provider refuses
 * underscores — whose value is exactly `<Value>` (case-sensitive). Verifying a parent domain
 * covers its subdomains ("you can verify example.com instead of a.example.com"). AWS checks
 * automatically and re-checks; StartVpcEndpointServicePrivateDnsVerification forces a check
 * and returns at once, the state staying `pendingVerification` until the check completes with
 * `verified` or `failed`; a verified name can regress, after which existing endpoints keep
 * working but private DNS cannot newly be enabled.
 */
import type { TxtAnswer } from '../../../dns-txt.js';
import type { PrivateDnsNameConfiguration } from '../../../resources.js';

export type VerificationState = PrivateDnsNameConfiguration['state'];

/**
 * Bookkeeping kept next to the AWS fields in the stored `privateDnsNameConfiguration` (never
 * presented: the presenters pick State/Type/Name/Value). A new name or token starts without it.
 */
export interface VerificationRecord {
  /** ISO time of a StartVpcEndpointServicePrivateDnsVerification whose check has not completed. */
  requestedAt?: string;
  /** ISO time of the last completed check. */
  checkedAt?: string;
  /** What the last check found, in a sentence (logged; AWS's API has no field for it). */
  reason?: string;
}

export type StoredDnsConfiguration = PrivateDnsNameConfiguration & VerificationRecord;

/**
 * The TXT names whose value can prove `privateDnsName`, most specific first: `<Name>.<domain>`
 * and `<domain>`, then the same for each parent domain down to two labels (a parent's record
 * covers its subdomains; a bare TLD is never asked). A leading `*.` is not part of the domain.
 */
export function verificationNames(privateDnsName: string, recordName: string): string[] {
  const labels = privateDnsName.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '').split('.');
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const domain = labels.slice(i).join('.');
    out.push(`${recordName}.${domain}`, domain);
    if (labels.length - i <= 2) break;
  }
  return out;
}

/** What one check concluded. `absent` is an answer (the records say no); `inconclusive` is not. */
export type CheckOutcome =
  | { result: 'found'; reason: string }
  | { result: 'absent'; reason: string }
  | { result: 'inconclusive'; reason: string };

/**
 * The outcome of the lookups of `verificationNames`: found when any record holds exactly
 * `expected`; absent when every name answered (NXDOMAIN, no TXT, or TXT without the value);
 * inconclusive when nothing matched and some question went unanswered (timeout, SERVFAIL,
 * REFUSED, no public DNS configured).
 */
export function evaluateLookups(expected: string, lookups: Array<{ name: string; answer: TxtAnswer }>): CheckOutcome {
  const hit = lookups.find((l) => l.answer.kind === 'found' && l.answer.values.includes(expected));
  if (hit) return { result: 'found', reason: `TXT ${hit.name} holds the verification value` };
  const unanswered = lookups.filter((l) => l.answer.kind !== 'found' && l.answer.kind !== 'nxdomain' && l.answer.kind !== 'nodata');
  const near = lookups.filter((l) => l.answer.kind === 'found' && l.answer.values.some((v) => v.toLowerCase() === expected.toLowerCase()));
  const hint = near.length > 0 ? ` (TXT ${near[0]!.name} holds it in a different case; the comparison is case-sensitive)` : '';
  if (unanswered.length > 0) {
    const details = unanswered.map((l) => (l.answer.kind === 'found' ? l.name : `${l.answer.kind}: ${l.answer.detail}`));
    return { result: 'inconclusive', reason: `no TXT record with the verification value was found and ${unanswered.length} of ${lookups.length} lookups went unanswered (${details.join('; ')})${hint}` };
  }
  return { result: 'absent', reason: `no TXT record at ${lookups.map((l) => l.name).join(', ')} holds the verification value${hint}` };
}

/** The outcome when Underpass has no public DNS to ask. */
export const NO_PUBLIC_DNS: CheckOutcome = {
  result: 'inconclusive',
  reason: 'no public DNS server is configured (underpass up --public-dns <ip[:port]> or UNDERPASS_PUBLIC_DNS), so the TXT record cannot be looked up',
};

/** Why a check ran: a StartVpcEndpointServicePrivateDnsVerification, or the periodic re-check. */
export type CheckTrigger = 'requested' | 'periodic';

interface Transition {
  from: VerificationState | '*';
  trigger: CheckTrigger | '*';
  outcome: CheckOutcome['result'] | '*';
  to: VerificationState | 'unchanged';
  why: string;
}

/**
 * The state machine, first matching row wins. Start itself (→ pendingVerification, check due
 * now) and a new name or token (→ pendingVerification) are not checks and happen in the handlers.
 */
export const VERIFICATION_TRANSITIONS: readonly Transition[] = [
  { from: '*', trigger: '*', outcome: 'found', to: 'verified', why: 'the exact value is published' },
  { from: 'pendingVerification', trigger: 'requested', outcome: '*', to: 'failed', why: 'a requested check that does not find the value completes as failed (AWS: Start → pendingVerification → verified | failed)' },
  { from: 'pendingVerification', trigger: 'periodic', outcome: '*', to: 'unchanged', why: 'automatic checks of a name nobody asked to verify yet only ever verify it' },
  { from: 'verified', trigger: 'periodic', outcome: 'absent', to: 'failed', why: 'the record is gone: the name regresses (existing endpoints keep private DNS; new enablement is refused)' },
  { from: 'verified', trigger: 'periodic', outcome: 'inconclusive', to: 'unchanged', why: 'an unanswered re-check proves nothing; the name stays verified until the DNS answers without the value' },
  { from: 'failed', trigger: '*', outcome: '*', to: 'unchanged', why: 'still not published' },
];

/** The state after a check, and the row that decided it. */
export function nextVerificationState(from: VerificationState, trigger: CheckTrigger, outcome: CheckOutcome['result']): { state: VerificationState; why: string } {
  for (const row of VERIFICATION_TRANSITIONS) {
    if ((row.from === '*' || row.from === from) && (row.trigger === '*' || row.trigger === trigger) && (row.outcome === '*' || row.outcome === outcome)) {
      return { state: row.to === 'unchanged' ? from : row.to, why: row.why };
    }
  }
  return { state: from, why: 'no transition applies' };
}

/**
 * Whether a name is due for a check at `now`: a requested check at once; a pending name never
 * checked at once (AWS verifies automatically once the record is there); otherwise every
 * `recheckMs` after the last check. A verified or failed name with no check on record was not
 * set by a check (a test fixture wrote it): only a Start checks it.
 */
export function checkDue(config: StoredDnsConfiguration, now: Date, recheckMs: number): CheckTrigger | undefined {
  if (config.requestedAt) return 'requested';
  if (!config.checkedAt) return config.state === 'pendingVerification' ? 'periodic' : undefined;
  return now.getTime() - new Date(config.checkedAt).getTime() >= recheckMs ? 'periodic' : undefined;
}
