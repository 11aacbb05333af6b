/**
 * Live data: `usePoll` runs a loader now and then every `everyMs` (1 s) while the page is visible,
 * never two at once, and keeps the last good value and the last error. `refresh()` runs it at once
 * (after an action). Polling stops when the view unmounts, so only the visible view polls.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from './api.ts';

export interface Polled<T> { data: T | undefined; error: string | undefined; refresh: () => Promise<void>; loading: boolean }

export function usePoll<T>(load: () => Promise<T>, deps: readonly unknown[], everyMs = 1000): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const running = useRef(false);
  const again = useRef(false);
  const alive = useRef(true);

  const idle = useRef<Promise<void>>(Promise.resolve());

  const loop = async () => {
    try {
      do {
        again.current = false;
        try {
          const v = await loadRef.current();
          if (!alive.current) return;
          setData(v);
          setError(undefined);
        } catch (e) {
          if (!alive.current) return;
          setError(errorText(e));
        }
      } while (again.current && alive.current);
    } finally {
      running.current = false;
      if (alive.current) setLoading(false);
    }
  };

  const run = useCallback((): Promise<void> => {
    if (running.current) { again.current = true; return idle.current; }
    running.current = true;
    idle.current = loop();
    return idle.current;
  }, []);

  useEffect(() => {
    alive.current = true;
    setLoading(true);
    void run();
    const timer = setInterval(() => { if (document.visibilityState === 'visible') void run(); }, everyMs);
    const onVisible = () => { if (document.visibilityState === 'visible') void run(); };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      alive.current = false;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { data, error, refresh: run, loading };
}

/** Runs one action; returns its error text (undefined on success) for the view's alert. */
export function useAction(): { busy: boolean; error: string | undefined; run: (fn: () => Promise<unknown>) => Promise<boolean>; clear: () => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(undefined) };
}
