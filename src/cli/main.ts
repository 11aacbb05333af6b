/** The `underpass` command line. */
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { DEFAULT_ACCOUNT, DEFAULT_DNS_PORT, DEFAULT_PORT, startUnderpass } from '../control/app.js';
import { findRegion } from '../core/regions.js';
import { DEFAULT_PREFIX, isValidPrefix } from '../net/names.js';
import { adminRequest, ApiClient } from './api-client.js';
import { adminCall, defaultDataDir, defaultPort, findServer, parsePort } from './config.js';
import { DEMO_PREFIX, runDemo } from './demo.js';
import { runDown } from './down.js';
import { runExec, spawnInNamespace } from './exec.js';
import { explainQuery, formatExplain } from './explain.js';
import { formatDns, type DnsStatus } from './dns-status.js';
import type { ExplainAnswer } from '../policy/explain.js';

type NetworkMode = 'auto' | 'netns' | 'loopback' | 'none';
const NETWORK_MODES = ['auto', 'netns', 'loopback', 'none'] as const;

function portArg(v: string): number {
  try { return parsePort(v); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
}

const program = new Command('underpass')
  .description('An open-source AWS PrivateLink: the EC2 and ELBv2 APIs, real traffic between isolated networks')
  .showHelpAfterError()
  .enablePositionalOptions();

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

program.command('up')
  .description('start Underpass: the API on one port, the store in the data directory (or DATABASE_URL)')
  .option('--port <port>', `API port (env UNDERPASS_PORT, default ${DEFAULT_PORT})`, portArg)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--data-dir <dir>', 'data directory (env UNDERPASS_DATA_DIR, default ~/.underpass)')
  .option('--region <region>', 'the region this Underpass serves (env UNDERPASS_REGION)', process.env.UNDERPASS_REGION ?? 'us-east-1')
  .addOption(new Option('--auth <mode>', 'credentials: dev (key test or a 12-digit key, secret test), open (no verification), strict (keys from accounts create)')
    .choices(['dev', 'open', 'strict'] as const).default((process.env.UNDERPASS_AUTH ?? 'dev') as 'dev' | 'open' | 'strict'))
  .option('--default-account <id>', 'open mode: the account of keys that are not 12 digits', DEFAULT_ACCOUNT)
  .addOption(new Option('--network <mode>', 'data plane: netns (VPCs as network namespaces; Linux, root), loopback (no root; VPCs as 127.0.0.0/8 blocks, NOT isolated), none (API only), auto (netns when it can, else loopback) (env UNDERPASS_NETWORK)')
    .choices(NETWORK_MODES).default((process.env.UNDERPASS_NETWORK ?? 'auto') as NetworkMode))
  .option('--net-prefix <prefix>', `name prefix of the namespaces and links the netns network creates, e.g. to run two Underpasses on one host (env UNDERPASS_NET_PREFIX)`,
    process.env.UNDERPASS_NET_PREFIX ?? DEFAULT_PREFIX)
  .option('--public-dns <ip[:port]>', 'the "public" DNS: upstream of the VPC resolvers, asked for private DNS name verification (env UNDERPASS_PUBLIC_DNS; default: the host\'s nameserver)', process.env.UNDERPASS_PUBLIC_DNS)
  .option('--dns-port <port>', 'the host\'s DNS listener on 127.0.0.1, answering the public endpoint names (env UNDERPASS_DNS_PORT; 0: any free port)', portArg, process.env.UNDERPASS_DNS_PORT ? parsePort(process.env.UNDERPASS_DNS_PORT) : DEFAULT_DNS_PORT)
  .action(async (o) => {
    if (!findRegion(o.region)) throw new InvalidArgumentError(`unknown region '${o.region}'`);
    if (!['dev', 'open', 'strict'].includes(o.auth)) throw new InvalidArgumentError(`--auth must be dev, open or strict, not '${o.auth}'`);
    if (!/^\d{12}$/.test(o.defaultAccount)) throw new InvalidArgumentError('--default-account must be 12 digits');
    if (!isValidPrefix(o.netPrefix)) throw new InvalidArgumentError(`--net-prefix '${o.netPrefix}' must be a lowercase letter, up to 5 letters or digits, then '-' (e.g. ${DEFAULT_PREFIX})`);
    if (!(NETWORK_MODES as readonly string[]).includes(o.network)) throw new InvalidArgumentError(`--network must be auto, netns, loopback or none, not '${o.network}'`);
    const dataDir = o.dataDir ?? defaultDataDir();
    const up = await startUnderpass({
      host: o.host, port: o.port ?? defaultPort() ?? DEFAULT_PORT, dataDir, databaseUrl: process.env.DATABASE_URL,
      region: o.region, auth: o.auth, defaultAccount: o.defaultAccount, network: o.network, netPrefix: o.netPrefix,
      dnsPort: o.dnsPort, ...(o.publicDns ? { publicDns: o.publicDns } : {}),
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
    console.log(`  ${up.networkNote}`);
    if (up.dataPlane?.dnsHostPort) console.log(`  DNS: each VPC's resolver at its base + 2; from this host: dig @127.0.0.1 -p ${up.dataPlane.dnsHostPort} <endpoint DNS name>`);
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

program.command('exec')
  .description('run a command as a workload inside a VPC (its own address from the subnet, the VPC router and resolver); exits with its exit code')
  .usage('--vpc <vpc-id> [--subnet <subnet-id>] [--ip <address>] [--security-group <sg-id>]... -- <command...>')
  .requiredOption('--vpc <vpc-id>', 'the VPC (the credentials in use must own it)')
  .option('--subnet <subnet-id>', 'the subnet (default: the VPC\'s subnet with the lowest id)')
  .option('--ip <address>', 'the workload\'s address (default: the next free one of the subnet)')
  .addOption(new Option('--security-group <sg-id>', 'a security group of the workload (repeatable)').argParser(collect).default([] as string[], 'the VPC\'s default group'))
  .option('--data-dir <dir>', 'data directory of the running Underpass (env UNDERPASS_DATA_DIR)')
  .option('--port <port>', 'port of the running Underpass (env UNDERPASS_PORT)', portArg)
  .argument('<command...>', 'the command and its arguments (after --)')
  .passThroughOptions()
  .addHelpText('after', `
The command runs with $UNDERPASS_IP, $UNDERPASS_ENI_ID, $UNDERPASS_VPC_ID and $UNDERPASS_SUBNET_ID set.
It is authorised like an API call: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (dev mode default: test/test).
Example: AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=test underpass exec --vpc vpc-… -- python3 -m http.server 80`)
  .action(async (command, o) => {
    const info = findServer(o.dataDir ?? defaultDataDir(), o.port ?? defaultPort());
    const api = ApiClient.forServer(info);
    const code = await runExec({ vpc: o.vpc, subnet: o.subnet, ip: o.ip, securityGroups: o.securityGroup, command }, {
      api,
      accessKeyId: api.credentials.accessKeyId,
      workload: (eniId) => adminRequest(info, 'GET', `/workloads/${encodeURIComponent(eniId)}`),
      spawn: spawnInNamespace,
      signals: process,
      env: process.env,
      log: (line) => console.error(line),
      isRoot: isRoot(),
    });
    process.exit(code);
  });

program.command('explain')
  .description('why can (or cannot) a source in a VPC connect to an endpoint address and port? the data plane\'s checks, in order')
  .requiredOption('--vpc <vpc-id>', 'the VPC the connection starts in')
  .requiredOption('--from <ip>', 'the source address')
  .requiredOption('--to <address>', 'an endpoint network interface address in that VPC, or a vpce-… id')
  .requiredOption('--port <port>', 'the destination port', portArg)
  .option('--zone <zone-id>', 'with a vpce-… id: the zone id of the network interface to use')
  .option('--data-dir <dir>', 'data directory of the running Underpass (env UNDERPASS_DATA_DIR)')
  .option('--server-port <port>', 'port of the running Underpass (env UNDERPASS_PORT)', portArg)
  .action(async (o) => {
    const info = findServer(o.dataDir ?? defaultDataDir(), o.serverPort ?? defaultPort());
    const args = { vpc: o.vpc, from: o.from, to: o.to, port: o.port, ...(o.zone ? { zone: o.zone } : {}) };
    const r = await adminRequest(info, 'GET', `/explain?${explainQuery(args)}`);
    if (r.status !== 200) throw new Error(String((r.json as { error?: string }).error ?? `HTTP ${r.status}`));
    const answer = r.json as unknown as ExplainAnswer;
    for (const line of formatExplain(args, answer)) console.log(line);
    process.exit(answer.admit ? 0 : 1);
  });

program.command('dns')
  .description('where the resolvers answer: each VPC\'s (base + 2), the host\'s, each Route 53 Resolver inbound endpoint\'s (in its VPC and on this host), and the forwarding rules in force')
  .option('--data-dir <dir>', 'data directory of the running Underpass (env UNDERPASS_DATA_DIR)')
  .option('--port <port>', 'port of the running Underpass (env UNDERPASS_PORT)', portArg)
  .option('--json', 'print the answer as JSON')
  .action(async (o) => {
    const info = findServer(o.dataDir ?? defaultDataDir(), o.port ?? defaultPort());
    const r = await adminRequest(info, 'GET', '/dns');
    if (r.status !== 200) throw new Error(String((r.json as { error?: string }).error ?? `HTTP ${r.status}`));
    if (o.json) { console.log(JSON.stringify(r.json, null, 2)); return; }
    for (const line of formatDns(r.json as unknown as DnsStatus)) console.log(line);
  });

program.command('down')
  .description('stop the running Underpass of the data directory and remove leftover network namespaces (needs root for those)')
  .option('--data-dir <dir>', 'data directory of the Underpass (env UNDERPASS_DATA_DIR)')
  .option('--port <port>', 'port of the running Underpass (env UNDERPASS_PORT)', portArg)
  .option('--net-prefix <prefix>', 'the prefix to sweep when no server.json names one (env UNDERPASS_NET_PREFIX)', process.env.UNDERPASS_NET_PREFIX ?? DEFAULT_PREFIX)
  .action(async (o) => {
    if (!isValidPrefix(o.netPrefix)) throw new InvalidArgumentError(`--net-prefix '${o.netPrefix}' must be a lowercase letter, up to 5 letters or digits, then '-' (e.g. ${DEFAULT_PREFIX})`);
    await runDown({ dataDir: o.dataDir ?? defaultDataDir(), port: o.port ?? defaultPort(), netPrefix: o.netPrefix, isRoot: isRoot(), log: (line) => console.log(line) });
  });

program.command('demo')
  .description('PrivateLink end to end: a provider\'s NLB service, a consumer\'s endpoint in an overlapping VPC, real requests through it (root)')
  .option('--start', 'start an Underpass of its own in a temporary data directory (also done when none is running)')
  .option('--keep', 'leave everything in place afterwards')
  .option('--data-dir <dir>', 'data directory of the running Underpass (env UNDERPASS_DATA_DIR)')
  .option('--port <port>', 'port of the running Underpass (env UNDERPASS_PORT)', portArg)
  .addOption(new Option('--net-prefix <prefix>', 'name prefix of the networks of the Underpass the demo starts').default(DEMO_PREFIX).hideHelp())
  .action(async (o) => {
    if (!isValidPrefix(o.netPrefix)) throw new InvalidArgumentError(`--net-prefix '${o.netPrefix}' is not a valid prefix (e.g. ${DEMO_PREFIX})`);
    const code = await runDemo({
      start: o.start ?? false, keep: o.keep ?? false, dataDir: o.dataDir ?? defaultDataDir(), port: o.port ?? defaultPort(),
      netPrefix: o.netPrefix, log: (line) => console.log(line),
    });
    process.exit(code);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`underpass: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
