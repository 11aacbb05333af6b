/** The store's tables (Kysely types) and its migrations, portable between SQLite and PostgreSQL. */
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { PostgresAdapter, sql } from 'kysely';

/**
 * The document fields `Tx.listWhere` filters on with an index (kind, account, field): a VPC's
 * endpoints for its quota, a subnet's interfaces for address allocation. Other fields still work,
 * by scanning the account's documents of that kind.
 */
export const INDEXED_FIELDS = ['vpcId', 'subnetId'] as const;
/** Indexed by (kind, field) for every account: the transition tick reads the documents in a timed state. */
export const INDEXED_KIND_FIELDS = ['state'] as const;

/** The SQL expression for a top-level document field: the same text in the index and the query, so the planner matches them. */
export function fieldExpression(dialect: 'sqlite' | 'postgres', field: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(field)) throw new Error(`'${field}' is not a plain member name`);
  return dialect === 'sqlite' ? `json_extract(doc, '$.${field}')` : `(doc::jsonb ->> '${field}')`;
}

export interface ResourcesTable {
  /** The resource id (vpc-…, an ELBv2 ARN, …); unique across kinds. */
  id: string;
  kind: string;
  account: string;
  region: string;
  /** Creation order, for stable listing. */
  seq: number;
  /** The resource document, JSON. */
  doc: string;
}

export interface IdempotencyTable {
  account: string;
  action: string;
  token: string;
  /** Hash of the request's parameters, to spot a reused token with other parameters. */
  fingerprint: string;
  /** The encoded output object, JSON. */
  result: string;
  created_at: string;
}

export interface AccountsTable {
  access_key_id: string;
  secret_access_key: string;
  account_id: string;
  created_at: string;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface Database {
  resources: ResourcesTable;
  idempotency: IdempotencyTable;
  accounts: AccountsTable;
  counters: CountersTable;
}

const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('resources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('doc', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('resources_kind_account').on('resources').columns(['kind', 'account']).execute();
      await db.schema.createTable('idempotency')
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_pk', ['account', 'action', 'token'])
        .execute();
      await db.schema.createTable('accounts')
        .addColumn('access_key_id', 'text', (c) => c.primaryKey())
        .addColumn('secret_access_key', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into counters (name, value) values ('seq', 0)`.execute(db);
    },
  },
};

migrations['0002_field_indexes'] = {
  async up(db: Kysely<any>) {
    const dialect = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
    for (const field of INDEXED_FIELDS) {
      const name = `resources_kind_account_${field.toLowerCase()}`;
      await sql.raw(`create index ${name} on resources (kind, account, ${fieldExpression(dialect, field)})`).execute(db);
    }
    for (const field of INDEXED_KIND_FIELDS) {
      await sql.raw(`create index resources_kind_${field.toLowerCase()} on resources (kind, ${fieldExpression(dialect, field)})`).execute(db);
    }
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
