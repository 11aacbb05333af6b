/**
 * The control plane's store: resource documents in one table, on SQLite (default, in the data
 * directory) or PostgreSQL (`DATABASE_URL`). Every mutation runs in one transaction; writers are
 * serialised (SQLite's single connection, a PostgreSQL advisory lock).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { migrationProvider, type Database } from './schema.js';
import type { Kind, ResourceOf, StoredResource } from '../resources.js';

export interface StoreConfig {
  /** PostgreSQL connection string; when absent, SQLite in `dataDir`. */
  databaseUrl?: string;
  dataDir?: string;
  /** SQLite only: ':memory:' for throwaway stores. */
  sqlitePath?: string;
}

const WRITE_LOCK = 727_001;

/** What a request sees of the store: reads and writes inside one transaction. */
export class Tx {
  readonly #trx: Transaction<Database>;
  readonly #cache = new Map<string, StoredResource>();
  constructor(trx: Transaction<Database>) {
    this.#trx = trx;
  }

  async get<K extends Kind>(kind: K, id: string): Promise<ResourceOf<K> | undefined> {
    const hit = this.#cache.get(id);
    if (hit) return hit.kind === kind ? (hit as ResourceOf<K>) : undefined;
    const row = await this.#trx.selectFrom('resources').select(['doc', 'kind']).where('id', '=', id).executeTakeFirst();
    if (!row || row.kind !== kind) return undefined;
    const doc = JSON.parse(row.doc) as ResourceOf<K>;
    this.#cache.set(id, doc);
    return doc;
  }

  /** The kind of the resource with this id, whoever owns it. */
  async kindOf(id: string): Promise<Kind | undefined> {
    const row = await this.#trx.selectFrom('resources').select('kind').where('id', '=', id).executeTakeFirst();
    return row?.kind as Kind | undefined;
  }

  /** All resources of a kind (of one account, when given), in creation order. */
  async list<K extends Kind>(kind: K, account?: string): Promise<ResourceOf<K>[]> {
    let q = this.#trx.selectFrom('resources').select(['id', 'doc']).where('kind', '=', kind);
    if (account !== undefined) q = q.where('account', '=', account);
    const rows = await q.orderBy('seq').execute();
    return rows.map((r) => {
      const hit = this.#cache.get(r.id);
      if (hit) return hit as ResourceOf<K>;
      const doc = JSON.parse(r.doc) as ResourceOf<K>;
      this.#cache.set(r.id, doc);
      return doc;
    });
  }

  /** Inserts or replaces a resource document. */
  async put(doc: StoredResource): Promise<void> {
    const json = JSON.stringify(doc);
    const exists = await this.#trx.selectFrom('resources').select('id').where('id', '=', doc.id).executeTakeFirst();
    if (exists) {
      await this.#trx.updateTable('resources').set({ doc: json }).where('id', '=', doc.id).execute();
    } else {
      const seq = await this.#nextSeq();
      await this.#trx.insertInto('resources').values({
        id: doc.id, kind: doc.kind, account: doc.account, region: doc.region, seq, doc: json,
      }).execute();
    }
    this.#cache.set(doc.id, doc);
  }

  async delete(id: string): Promise<void> {
    await this.#trx.deleteFrom('resources').where('id', '=', id).execute();
    this.#cache.delete(id);
  }

  async #nextSeq(): Promise<number> {
    const row = await this.#trx.updateTable('counters').set({ value: sql`value + 1` }).where('name', '=', 'seq')
      .returning('value').executeTakeFirstOrThrow();
    return Number(row.value);
  }

  async idempotent(account: string, action: string, token: string): Promise<{ fingerprint: string; result: string } | undefined> {
    return this.#trx.selectFrom('idempotency').select(['fingerprint', 'result'])
      .where('account', '=', account).where('action', '=', action).where('token', '=', token).executeTakeFirst();
  }

  async remember(account: string, action: string, token: string, fingerprint: string, result: string): Promise<void> {
    await this.#trx.insertInto('idempotency').values({
      account, action, token, fingerprint, result, created_at: new Date().toISOString(),
    }).execute();
  }
}

export interface AccountKey {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  createdAt: string;
}

export class Store {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  private constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
    this.db = db;
    this.dialect = dialect;
  }

  static async open(config: StoreConfig): Promise<Store> {
    let store: Store;
    if (config.databaseUrl) {
      const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 8 });
      // An idle connection that the server drops (restart, failover) must not take Underpass down:
      // the pool replaces it on the next checkout, and the request using it gets an error.
      pool.on('error', (e) => console.error(`underpass: PostgreSQL connection lost: ${e.message}`));
      store = new Store(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), 'postgres');
    } else {
      let path = config.sqlitePath;
      if (!path) {
        if (!config.dataDir) throw new Error('the store needs a data directory or DATABASE_URL');
        mkdirSync(config.dataDir, { recursive: true });
        path = join(config.dataDir, 'underpass.db');
      }
      const sqlite = new SQLite(path);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = FULL');
      sqlite.pragma('busy_timeout = 5000');
      store = new Store(new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), 'sqlite');
    }
    const migrator = new Migrator({ db: store.db, provider: migrationProvider });
    const { error } = await migrator.migrateToLatest();
    if (error) {
      await store.close();
      throw error instanceof Error ? error : new Error(String(error));
    }
    return store;
  }

  /** Runs `fn` in one transaction; `write` serialises it against every other writer. */
  async transaction<T>(write: boolean, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      if (write && this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${WRITE_LOCK})`.execute(trx);
      return fn(new Tx(trx));
    });
  }

  async createAccountKey(key: AccountKey): Promise<void> {
    await this.db.insertInto('accounts').values({
      access_key_id: key.accessKeyId, secret_access_key: key.secretAccessKey, account_id: key.accountId, created_at: key.createdAt,
    }).execute();
  }

  async findAccountKey(accessKeyId: string): Promise<AccountKey | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    return row && { accessKeyId: row.access_key_id, secretAccessKey: row.secret_access_key, accountId: row.account_id, createdAt: row.created_at };
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
