/**
 * The data plane's worker programs (node-worker.ts, dns-worker.ts) bundled once into plain
 * JavaScript, so each worker process starts with `node <bundle>.mjs` instead of loading the
 * TypeScript loader and compiling its modules again. Measured per NLB-node worker: 47 MiB
 * resident instead of 82 MiB and about half the start-up CPU; a hundred VPCs run twenty or more
 * of them.
 *
 * esbuild writes the bundle in memory; it goes into a directory of this process's own, made by
 * mkdtemp (mode 0700, a name nobody can guess or create first) and removed when the process exits;
 * a bundle that disappeared meanwhile (a temporary-directory cleaner) is made again. Its require()
 * resolves from this source folder, never from the temporary directory. Any failure (no esbuild,
 * a read-only temporary directory) answers `undefined` and the caller runs the TypeScript source
 * through tsx as before. UNDERPASS_NO_BUNDLE=1 turns bundling off.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** One build per entry and process (concurrent first starts share it). */
const builds = new Map<string, Promise<string | undefined>>();

/** CommonJS dependencies (dns-packet) call require(); an ES module bundle has none of its own: resolve from the source. */
function banner(entry: string): string {
  return `import { createRequire as __underpassCreateRequire } from 'node:module'; const require = __underpassCreateRequire(${JSON.stringify(`${dirname(entry)}/`)});`;
}

let dir: string | undefined;
function bundleDir(): string {
  if (dir && existsSync(dir)) return dir;
  const made = mkdtempSync(join(tmpdir(), 'underpass-bundle-'));
  dir = made;
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  return made;
}

/** The path of `entry` (an absolute .ts path) bundled, or undefined when it cannot be. */
export async function bundledProgram(entry: string, log: (m: string) => void = () => {}): Promise<string | undefined> {
  if (process.env.UNDERPASS_NO_BUNDLE) return undefined;
  let b = builds.get(entry);
  if (b) {
    const file = await b;
    if (file === undefined || existsSync(file)) return file;
    b = undefined; // removed meanwhile: make it again
  }
  builds.set(entry, (b = build(entry, log)));
  return b;
}

let inFlight = 0;

async function build(entry: string, log: (m: string) => void): Promise<string | undefined> {
  inFlight++;
  try {
    return await buildOnce(entry, log);
  } finally {
    // esbuild's JavaScript API keeps a service process (17 MiB) alive: stop it once no build runs.
    if (--inFlight === 0) await import('esbuild').then((e) => e.stop()).catch(() => {});
  }
}

async function buildOnce(entry: string, log: (m: string) => void): Promise<string | undefined> {
  try {
    const esbuild = await import('esbuild');
    const r = await esbuild.build({
      entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false,
      banner: { js: banner(entry) }, logLevel: 'silent', legalComments: 'none',
    });
    const code = r.outputFiles[0]!.contents;
    const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
    const file = join(bundleDir(), `${basename(entry, '.ts')}-${hash}.mjs`);
    writeFileSync(file, code, { mode: 0o600, flag: 'w' });
    return file;
  } catch (e) {
    log(`bundling ${basename(entry)} failed, running it through tsx: ${(e as Error).message}`);
    return undefined;
  }
}
