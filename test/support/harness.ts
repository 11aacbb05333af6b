/** Test servers: a real Underpass on port 0 with a temporary data directory, on SQLite or PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { startUnderpass, type Underpass, type UnderpassOptions } from '../../src/control/app.js';

export type Dialect = 'sqlite' | 'postgres';

/** The store back-ends this run can test: SQLite always, PostgreSQL when UNDERPASS_TEST_PG_URL is set. */
export const DIALECTS: Dialect[] = process.env.UNDERPASS_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

let dbCounter = 0;

/** Creates a fresh, empty PostgreSQL database on the test cluster; `drop` removes it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env.UNDERPASS_TEST_PG_URL;
  if (!admin) throw new Error('UNDERPASS_TEST_PG_URL is not set');
  const name = `underpass_t${process.pid}_${Date.now()}_${dbCounter++}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A fresh, empty PostgreSQL database on the test cluster; dropped by `t.after`. */
export async function freshPostgresDatabase(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const db = await createPostgresDatabase();
  t.after(db.drop);
  return db.url;
}

export interface TestServer extends Underpass {
  endpoint: string;
}

/** Starts Underpass for one test; stopped and removed after it. Fast transitions unless overridden. */
let servers = 0;

export async function startTestServer(t: TestContext | { after: (fn: () => Promise<void>) => void }, opts: Partial<UnderpassOptions> & { dialect?: Dialect } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'underpass-test-'));
  let up: Underpass | undefined;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  // One cleanup, whatever order the caller runs hooks in: the server closes before its database is dropped.
  t.after(async () => {
    await up?.close();
    await db?.drop();
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  if (opts.dialect === 'postgres') db = await createPostgresDatabase();
  const databaseUrl = db?.url ?? opts.databaseUrl;
  // No network unless asked: netns tests pass network 'netns' and get a prefix of their own (never the user's 'up-').
  const netPrefix = opts.netPrefix ?? `ut${(process.pid * 7 + ++servers) % 1000}-`;
  // With a network, the resolvers forward what they do not answer: to a dead loopback port unless the test names
  // its own public DNS, so no test query leaves the machine (the host's nameserver would be the default).
  const publicDns = opts.publicDns ?? (opts.network && opts.network !== 'none' ? '127.0.0.1:9' : undefined);
  up = await startUnderpass({
    port: 0, stateDelayMs: 50, tickMs: 20, network: 'none', dnsPort: 0, ...opts, ...(publicDns ? { publicDns } : {}), netPrefix, dataDir, databaseUrl,
  });
  return Object.assign(up, { endpoint: `http://127.0.0.1:${up.port}` });
}

/** Credentials of an account in dev mode: the 12-digit key id acts as that account, secret `test`. */
export function devCredentials(account = '000000000000'): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: account === '000000000000' ? 'test' : account, secretAccessKey: 'test' };
}

/** Polls `fn` until it returns a truthy value (bounded: `timeoutMs`). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 5000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
