/**
 * The web console's backend, assembled: sessions (swept on an unref'd timer), the metrics history
 * (sampled every second while a data plane runs) and the `/console` routes. `close` stops both
 * timers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { DataPlane } from '../../dataplane/plane.js';
import type { Dispatcher } from '../api/dispatch.js';
import type { JsonDispatcher } from '../api/json-dispatch.js';
import type { Store } from '../store/store.js';
import type { CredentialCheck } from './credentials.js';
import { MetricsHistory } from './metrics-history.js';
import { consoleRoutes } from './routes.js';
import { DEFAULT_SESSION_LIMITS, SessionTable } from './sessions.js';

/** The built console: `<repo>/console/dist`. */
export const DEFAULT_DIST_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/** How often expired sessions are looked for, and how long an expired one still answers "session expired". */
const SWEEP_MS = 60_000;

export interface ConsoleOptions {
  store: Store;
  check: CredentialCheck;
  query: Record<string, Dispatcher>;
  json: Record<string, JsonDispatcher>;
  dataPlane: DataPlane | undefined;
  networkNote: string;
  flowLogPath: string;
  distDir?: string;
  idleMs?: number;
  maxMs?: number;
}

export interface ConsoleBackend {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  close(): void;
}

export function startConsole(o: ConsoleOptions): ConsoleBackend {
  const sessions = new SessionTable({ idleMs: o.idleMs ?? DEFAULT_SESSION_LIMITS.idleMs, maxMs: o.maxMs ?? DEFAULT_SESSION_LIMITS.maxMs });
  const sweeper = setInterval(() => sessions.sweep(SWEEP_MS), SWEEP_MS);
  sweeper.unref();
  const plane = o.dataPlane;
  const metrics = plane ? new MetricsHistory(() => plane.metrics.snapshot()) : undefined;
  metrics?.start();
  const handle = consoleRoutes({
    store: o.store, check: o.check, sessions, query: o.query, json: o.json, distDir: o.distDir ?? DEFAULT_DIST_DIR,
    metrics, networkNote: o.networkNote, flowLogPath: o.flowLogPath,
  });
  return {
    handle,
    close() {
      clearInterval(sweeper);
      metrics?.stop();
    },
  };
}
