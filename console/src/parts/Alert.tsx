/** An error region: `role="alert"` so screen readers announce it; nothing when there is no error. */
export function Alert({ error, testId }: { error: string | undefined; testId?: string }) {
  return (
    <div role="alert" className={error ? 'alert' : 'alert empty'} data-testid={testId ?? 'alert'}>
      {error ?? ''}
    </div>
  );
}

/** A polled view's error, if any (a failed refresh keeps the last good data on screen). */
export function PollError({ error }: { error: string | undefined }) {
  return error ? <p className="alert" role="status">Refresh failed: {error}</p> : null;
}
