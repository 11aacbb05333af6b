/**
 * The control plane's store: resource documents in one table, on SQLite (default, in the data
 * directory) or PostgreSQL (`DATABASE_URL`). Every mutation runs in one transaction; writers are
 * serialised (SQLite: one connection and a queue of transactions on it, statements prepared once;
 * PostgreSQL: Kysely over a pool, an advisory lock for writers).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { fieldExpression, migrationProvider, type AccountsTable, type Database, type IdempotencyTable } from './schema.js';
import type { Kind, ResourceOf, StoredResource } from '../resources.js';

export interface StoreConfig {
  /** PostgreSQL connection string; when absent, SQLite in `dataDir`. */
  databaseUrl?: string;
  dataDir?: string;
  /** SQLite only: ':memory:' for throwaway stores. */
  sqlitePath?: string;
}

const WRITE_LOCK = 727_001;

/** SQLite's synchronous level: 'normal' (default) or 'full'. */
export function sqliteSynchronous(value: string | undefined): 'NORMAL' | 'FULL' {
  const v = (value ?? 'normal').trim().toLowerCase();
  if (v === 'normal' || v === '') return 'NORMAL';
  if (v === 'full') return 'FULL';
  throw new Error(`UNDERPASS_SQLITE_SYNCHRONOUS is '${value}': use 'normal' (default) or 'full'`);
}

/** The row operations a transaction needs, one implementation per back-end. */
interface Rows {
  get(id: string): Promise<{ kind: string; doc: string } | undefined> | { kind: string; doc: string } | undefined;
  list(kind: string, account?: string): Promise<Array<{ id: string; doc: string }>> | Array<{ id: string; doc: string }>;
  /** Documents of a kind and account whose top-level string `field` equals `value` (the database compares; only those are parsed). */
  listWhere(kind: string, account: string | undefined, field: string, value: string): Promise<Array<{ id: string; doc: string }>> | Array<{ id: string; doc: string }>;
  exists(id: string): Promise<boolean> | boolean;
  update(id: string, doc: string): Promise<void> | void;
  insert(row: { id: string; kind: string; account: string; region: string; seq: number; doc: string }): Promise<void> | void;
  delete(id: string): Promise<void> | void;
  nextSeq(): Promise<number> | number;
  idempotent(account: string, action: string, token: string): Promise<{ fingerprint: string; result: string } | undefined> | { fingerprint: string; result: string } | undefined;
  remember(row: IdempotencyTable): Promise<void> | void;
}

/** PostgreSQL (and any Kysely dialect): queries built by Kysely inside its transaction. */
class KyselyRows implements Rows {
  readonly #trx: Transaction<Database>;
  constructor(trx: Transaction<Database>) {
    this.#trx = trx;
  }
  get(id: string) {
    return this.#trx.selectFrom('resources').select(['doc', 'kind']).where('id', '=', id).executeTakeFirst();
  }
  list(kind: string, account?: string) {
    let q = this.#trx.selectFrom('resources').select(['id', 'doc']).where('kind', '=', kind);
    if (account !== undefined) q = q.where('account', '=', account);
    return q.orderBy('seq').execute();
  }
  listWhere(kind: string, account: string | undefined, field: string, value: string) {
    let q = this.#trx.selectFrom('resources').select(['id', 'doc']).where('kind', '=', kind);
    if (account !== undefined) q = q.where('account', '=', account);
    return q.where(sql.raw(fieldExpression('postgres', field)), '=', value).orderBy('seq').execute();
  }
  async exists(id: string) {
    return !!(await this.#trx.selectFrom('resources').select('id').where('id', '=', id).executeTakeFirst());
  }
  async update(id: string, doc: string) {
    await this.#trx.updateTable('resources').set({ doc }).where('id', '=', id).execute();
  }
  async insert(row: { id: string; kind: string; account: string; region: string; seq: number; doc: string }) {
    await this.#trx.insertInto('resources').values(row).execute();
  }
  async delete(id: string) {
    await this.#trx.deleteFrom('resources').where('id', '=', id).execute();
  }
  async nextSeq() {
    const row = await this.#trx.updateTable('counters').set({ value: sql`value + 1` }).where('name', '=', 'seq')
      .returning('value').executeTakeFirstOrThrow();
    return Number(row.value);
  }
  idempotent(account: string, action: string, token: string) {
    return this.#trx.selectFrom('idempotency').select(['fingerprint', 'result'])
      .where('account', '=', account).where('action', '=', action).where('token', '=', token).executeTakeFirst();
  }
  async remember(row: IdempotencyTable) {
    await this.#trx.insertInto('idempotency').values(row).execute();
  }
}

/**
 * SQLite: better-sqlite3 prepared statements, run synchronously on the one connection (the
 * store's queue keeps transactions apart). Measured: Kysely's query building and its async
 * connection hand-off cost more than the queries themselves on the describe paths.
 */
class SqliteRows implements Rows {
  readonly #s: SqliteStatements;
  constructor(statements: SqliteStatements) {
    this.#s = statements;
  }
  get(id: string) {
    return this.#s.get.get(id) as { kind: string; doc: string } | undefined;
  }
  list(kind: string, account?: string) {
    return (account === undefined ? this.#s.listKind.all(kind) : this.#s.listKindAccount.all(kind, account)) as Array<{ id: string; doc: string }>;
  }
  listWhere(kind: string, account: string | undefined, field: string, value: string) {
    return (account === undefined ? this.#s.listWhere(field, false).all(kind, value) : this.#s.listWhere(field, true).all(kind, account, value)) as Array<{ id: string; doc: string }>;
  }
  exists(id: string) {
    return this.#s.exists.get(id) !== undefined;
  }
  update(id: string, doc: string) {
    this.#s.update.run(doc, id);
  }
  insert(row: { id: string; kind: string; account: string; region: string; seq: number; doc: string }) {
    this.#s.insert.run(row.id, row.kind, row.account, row.region, row.seq, row.doc);
  }
  delete(id: string) {
    this.#s.delete.run(id);
  }
  nextSeq() {
    return Number((this.#s.nextSeq.get() as { value: number | bigint }).value);
  }
  idempotent(account: string, action: string, token: string) {
    return this.#s.idempotent.get(account, action, token) as { fingerprint: string; result: string } | undefined;
  }
  remember(row: IdempotencyTable) {
    this.#s.remember.run(row.account, row.action, row.token, row.fingerprint, row.result, row.created_at);
  }
}

function prepareSqlite(db: SQLite.Database) {
  // One statement per field, its path written into the SQL: a bound path would not match the field's index.
  const where = new Map<string, SQLite.Statement>();
  const listWhere = (field: string, byAccount: boolean): SQLite.Statement => {
    const key = `${field}${byAccount ? ' account' : ''}`;
    let st = where.get(key);
    if (!st) {
      st = db.prepare(`select id, doc from resources where kind = ?${byAccount ? ' and account = ?' : ''} and ${fieldExpression('sqlite', field)} = ? order by seq`);
      where.set(key, st);
    }
    return st;
  };
  return {
    listWhere,
    get: db.prepare('select doc, kind from resources where id = ?'),
    listKind: db.prepare('select id, doc from resources where kind = ? order by seq'),
    listKindAccount: db.prepare('select id, doc from resources where kind = ? and account = ? order by seq'),
    exists: db.prepare('select 1 from resources where id = ?'),
    update: db.prepare('update resources set doc = ? where id = ?'),
    insert: db.prepare('insert into resources (id, kind, account, region, seq, doc) values (?, ?, ?, ?, ?, ?)'),
    delete: db.prepare('delete from resources where id = ?'),
    nextSeq: db.prepare("update counters set value = value + 1 where name = 'seq' returning value"),
    idempotent: db.prepare('select fingerprint, result from idempotency where account = ? and action = ? and token = ?'),
    remember: db.prepare('insert into idempotency (account, action, token, fingerprint, result, created_at) values (?, ?, ?, ?, ?, ?)'),
    findKey: db.prepare('select * from accounts where access_key_id = ?'),
    createKey: db.prepare('insert into accounts (access_key_id, secret_access_key, account_id, created_at) values (?, ?, ?, ?)'),
  };
}
type SqliteStatements = ReturnType<typeof prepareSqlite>;

/** What a request sees of the store: reads and writes inside one transaction. */
export class Tx {
  readonly #rows: Rows;
  readonly #cache = new Map<string, StoredResource>();
  /** Puts and deletes so far (a transaction without any leaves the store's generation alone). */
  writes = 0;
  constructor(rows: Rows) {
    this.#rows = rows;
  }

  async get<K extends Kind>(kind: K, id: string): Promise<ResourceOf<K> | undefined> {
    const hit = this.#cache.get(id);
    if (hit) return hit.kind === kind ? (hit as ResourceOf<K>) : undefined;
    const row = await this.#rows.get(id);
    if (!row || row.kind !== kind) return undefined;
    const doc = JSON.parse(row.doc) as ResourceOf<K>;
    this.#cache.set(id, doc);
    return doc;
  }

  /** The kind of the resource with this id, whoever owns it. */
  async kindOf(id: string): Promise<Kind | undefined> {
    const hit = this.#cache.get(id);
    if (hit) return hit.kind;
    const row = await this.#rows.get(id);
    return row?.kind as Kind | undefined;
  }

  /** All resources of a kind (of one account, when given), in creation order. */
  async list<K extends Kind>(kind: K, account?: string): Promise<ResourceOf<K>[]> {
    return this.#docs<K>(await this.#rows.list(kind, account));
  }

  /**
   * Resources of a kind (and account; `undefined`: every account's) whose top-level string field
   * `field` (a plain member name) equals `value`, in creation order: the database filters, so only
   * those documents are parsed (e.g. the endpoints of one VPC out of an account's thousand, or the
   * pending ones for the transition tick).
   */
  async listWhere<K extends Kind>(kind: K, account: string | undefined, field: string, value: string): Promise<ResourceOf<K>[]> {
    return this.#docs<K>(await this.#rows.listWhere(kind, account, field, value)); // fieldExpression refuses a field that is not a plain member name
  }

  /** All rows of a kind as stored (JSON text, creation order), unparsed: for a reader that keeps parsed documents itself. */
  async listRaw(kind: Kind): Promise<ReadonlyArray<{ id: string; doc: string }>> {
    return this.#rows.list(kind);
  }

  /** The rows' documents: the one this transaction already holds, else parsed and kept. */
  #docs<K extends Kind>(rows: ReadonlyArray<{ id: string; doc: string }>): ResourceOf<K>[] {
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
    this.writes++;
    const json = JSON.stringify(doc);
    if (await this.#rows.exists(doc.id)) {
      await this.#rows.update(doc.id, json);
    } else {
      const seq = await this.#rows.nextSeq();
      await this.#rows.insert({ id: doc.id, kind: doc.kind, account: doc.account, region: doc.region, seq, doc: json });
    }
    this.#cache.set(doc.id, doc);
  }

  async delete(id: string): Promise<void> {
    this.writes++;
    await this.#rows.delete(id);
    this.#cache.delete(id);
  }

  async idempotent(account: string, action: string, token: string): Promise<{ fingerprint: string; result: string } | undefined> {
    return this.#rows.idempotent(account, action, token);
  }

  async remember(account: string, action: string, token: string, fingerprint: string, result: string): Promise<void> {
    await this.#rows.remember({ account, action, token, fingerprint, result, created_at: new Date().toISOString() });
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
  readonly #sqlite: SQLite.Database | undefined;
  #statements: SqliteStatements | undefined;
  /** SQLite: the tail of the queue of transactions on the one connection. */
  #queue: Promise<void> = Promise.resolve();
  #generation = 0;
  readonly #listeners = new Set<() => void>();
  private constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', sqlite?: SQLite.Database) {
    this.db = db;
    this.dialect = dialect;
    this.#sqlite = sqlite;
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
      // WAL + NORMAL: a commit survives the process being killed (the kill -9 test), not a power
      // loss of the machine; FULL fsyncs every commit (UNDERPASS_SQLITE_SYNCHRONOUS=full).
      sqlite.pragma(`synchronous = ${sqliteSynchronous(process.env.UNDERPASS_SQLITE_SYNCHRONOUS)}`);
      sqlite.pragma('busy_timeout = 5000');
      store = new Store(new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), 'sqlite', sqlite);
    }
    const migrator = new Migrator({ db: store.db, provider: migrationProvider });
    const { error } = await migrator.migrateToLatest();
    if (error) {
      await store.close();
      throw error instanceof Error ? error : new Error(String(error));
    }
    if (store.#sqlite) store.#statements = prepareSqlite(store.#sqlite);
    return store;
  }

  /**
   * Whether this process is the store's only writer (SQLite in its data directory), so that its
   * generation sees every change. A PostgreSQL store may be shared by several Underpass processes:
   * what skips work by the generation (the reconcile loop, quiet ticks, the response cache) must
   * not skip there.
   */
  get exclusive(): boolean {
    return this.dialect === 'sqlite';
  }

  /**
   * How many committed transactions changed a resource document so far (this process's view: the
   * reconcile loop skips recompiling while it stays the same).
   */
  get generation(): number {
    return this.#generation;
  }

  /** Calls `listener` (soon, not inside the commit) after every committed transaction that changed documents. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #committed(tx: Tx): void {
    if (tx.writes === 0) return;
    this.#generation++;
    if (this.#listeners.size > 0) queueMicrotask(() => { for (const l of this.#listeners) l(); });
  }

  /** Runs `fn` in one transaction; `write` serialises it against every other writer. */
  async transaction<T>(write: boolean, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const sqlite = this.#sqlite;
    const statements = this.#statements;
    if (sqlite && statements) {
      return this.#serial(async () => {
        sqlite.exec(write ? 'BEGIN IMMEDIATE' : 'BEGIN');
        const tx = new Tx(new SqliteRows(statements));
        try {
          const out = await fn(tx);
          sqlite.exec('COMMIT');
          this.#committed(tx);
          return out;
        } catch (e) {
          if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
          throw e;
        }
      });
    }
    let done: Tx | undefined;
    const out = await this.db.transaction().execute(async (trx) => {
      if (write && this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${WRITE_LOCK})`.execute(trx);
      const tx = new Tx(new KyselyRows(trx));
      const r = await fn(tx);
      done = tx;
      return r;
    });
    if (done) this.#committed(done);
    return out;
  }

  /** SQLite: runs `fn` once every earlier transaction on the connection has ended. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.then(() => {}, () => {});
    return run;
  }

  async createAccountKey(key: AccountKey): Promise<void> {
    const row = { access_key_id: key.accessKeyId, secret_access_key: key.secretAccessKey, account_id: key.accountId, created_at: key.createdAt };
    const statements = this.#statements;
    if (statements) {
      await this.#serial(async () => { statements.createKey.run(row.access_key_id, row.secret_access_key, row.account_id, row.created_at); });
      return;
    }
    await this.db.insertInto('accounts').values(row).execute();
  }

  async findAccountKey(accessKeyId: string): Promise<AccountKey | undefined> {
    const statements = this.#statements;
    const row = statements
      ? await this.#serial(async () => statements.findKey.get(accessKeyId) as AccountsTable | undefined)
      : await this.db.selectFrom('accounts').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
    return row && { accessKeyId: row.access_key_id, secretAccessKey: row.secret_access_key, accountId: row.account_id, createdAt: row.created_at };
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.db.destroy();
  }
}
