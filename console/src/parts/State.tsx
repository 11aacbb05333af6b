/** A state word as a coloured badge (available/healthy green, pending amber, failed/rejected red). */
const TONE: Record<string, string> = {
  available: 'ok', active: 'ok', healthy: 'ok', verified: 'ok', accept: 'ok',
  pendingacceptance: 'warn', pending: 'warn', provisioning: 'warn', initial: 'warn', draining: 'warn', pendingverification: 'warn', deleting: 'warn',
  rejected: 'bad', failed: 'bad', unhealthy: 'bad', deleted: 'bad', expired: 'bad', reject: 'bad', unavailable: 'bad', unused: 'muted',
};

export function State({ value }: { value: string | undefined | null }) {
  const v = value ?? '-';
  return <span className={`state ${TONE[v.toLowerCase()] ?? 'muted'}`}>{v}</span>;
}
