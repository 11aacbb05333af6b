/** The `underpass` command line. */
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { DEFAULT_ACCOUNT, DEFAULT_PORT, startUnderpass } from '../control/app.js';
import { findRegion } from '../core/regions.js';
import { adminCall, defaultDataDir, defaultPort, findServer, parsePort } from './config.js';

function portArg(v: string): number {
  try { return parsePort(v); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
}

const program = new Command('underpass')
  .description('An open-source AWS PrivateLink: the EC2 and ELBv2 APIs, real traffic between isolated networks')
  .showHelpAfterError();

program.command('up')
  .description('start Underpass: the API on one port, the store in the data directory (or DATABASE_URL)')
  .option('--port <port>', `API port (env UNDERPASS_PORT, default ${DEFAULT_PORT})`, portArg)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--data-dir <dir>', 'data directory (env UNDERPASS_DATA_DIR, default ~/.underpass)')
  .option('--region <region>', 'the region this Underpass serves (env UNDERPASS_REGION)', process.env.UNDERPASS_REGION ?? 'us-east-1')
  .addOption(new Option('--auth <mode>', 'credentials: dev (key test or a 12-digit key, secret test), open (no verification), strict (keys from accounts create)')
    .choices(['dev', 'open', 'strict'] as const).default((process.env.UNDERPASS_AUTH ?? 'dev') as 'dev' | 'open' | 'strict'))
  .option('--default-account <id>', 'open mode: the account of keys that are not 12 digits', DEFAULT_ACCOUNT)
  .action(async (o) => {
    if (!findRegion(o.region)) throw new InvalidArgumentError(`unknown region '${o.region}'`);
    if (!['dev', 'open', 'strict'].includes(o.auth)) throw new InvalidArgumentError(`--auth must be dev, open or strict, not '${o.auth}'`);
    if (!/^\d{12}$/.test(o.defaultAccount)) throw new InvalidArgumentError('--default-account must be 12 digits');
    const dataDir = o.dataDir ?? defaultDataDir();
    const up = await startUnderpass({
      host: o.host, port: o.port ?? defaultPort() ?? DEFAULT_PORT, dataDir, databaseUrl: process.env.DATABASE_URL,
      region: o.region, auth: o.auth, defaultAccount: o.defaultAccount,
    });
    const endpoint = `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${up.port}`;
    console.log(`Underpass is up: EC2 and ELBv2 APIs on ${endpoint} (region ${up.region})`);
    console.log(`  store: ${up.store.dialect === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `SQLite in ${dataDir}`}`);
    if (up.auth === 'dev') {
      console.log('  credentials (dev): AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test → account 000000000000;');
      console.log('                     a 12-digit access key id (secret test) acts as that account');
    } else if (up.auth === 'open') {
      console.log(`  credentials (open): any key, not verified; 12-digit keys act as that account, others as ${o.defaultAccount}`);
    } else {
      console.log('  credentials (strict): only keys made by `underpass accounts create`');
    }
    console.log(`  try: aws --endpoint-url ${endpoint} --region ${up.region} ec2 describe-availability-zones`);
    let closing = false;
    const stop = async () => {
      if (closing) return;
      closing = true;
      await up.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
  });

const accounts = program.command('accounts').description('manage accounts and their access keys (strict mode)');
accounts.command('create')
  .description('create an access key pair (for a new account, or --account-id); prints it as JSON')
  .option('--account-id <id>', '12-digit account id (default: a new random account)')
  .option('--data-dir <dir>', 'data directory of the running Underpass (env UNDERPASS_DATA_DIR)')
  .option('--port <port>', 'port of the running Underpass (env UNDERPASS_PORT)', portArg)
  .action(async (o) => {
    if (o.accountId !== undefined && !/^\d{12}$/.test(o.accountId)) throw new InvalidArgumentError('--account-id must be 12 digits');
    const info = findServer(o.dataDir ?? defaultDataDir(), o.port ?? defaultPort());
    const key = (await adminCall(info, 'POST', '/accounts', { accountId: o.accountId })) as Record<string, string>;
    console.log(JSON.stringify({ AccountId: key.accountId, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey }, null, 2));
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`underpass: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
