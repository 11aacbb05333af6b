/**
 * The data plane's worker programs (node-worker.ts, dns-worker.ts) bundled once into plain
 * JavaScript, so each worker process starts with `node <bundle>.mjs` instead of loading the
 * TypeScript loader and compiling its modules again. Measured per NLB-node worker: 47 MiB
 * resident instead of 82 MiB and about half the start-up CPU; a hundred VPCs run twenty or more
 * of them.
 *
 * esbuild writes the bundle in memory; it is stored content-addressed under the temporary
 * directory (`underpass-bundles/<name>-<hash>.mjs`, written once, atomically). Any failure (no
 * esbuild, a read-only temporary directory) answers `undefined` and the caller runs the
 * TypeScript source through tsx as before. UNDERPASS_NO_BUNDLE=1 turns bundling off.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** One build per entry and process (concurrent first starts share it). */
const builds = new Map<string, Promise<string | undefined>>();

/** CommonJS dependencies (dns-packet) call require(); an ES module bundle has none of its own. */
const BANNER = "import { createRequire as __underpassCreateRequire } from 'node:module'; const require = __underpassCreateRequire(import.meta.url);";

/** The path of `entry` (an absolute .ts path) bundled, or undefined when it cannot be. */
export function bundledProgram(entry: string, log: (m: string) => void = () => {}): Promise<string | undefined> {
  if (process.env.UNDERPASS_NO_BUNDLE) return Promise.resolve(undefined);
  let b = builds.get(entry);
  if (!b) builds.set(entry, (b = build(entry, log)));
  return b;
}

async function build(entry: string, log: (m: string) => void): Promise<string | undefined> {
  try {
    const esbuild = await import('esbuild');
    const r = await esbuild.build({
      entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false,
      banner: { js: BANNER }, logLevel: 'silent', legalComments: 'none',
    });
    const code = r.outputFiles[0]!.contents;
    const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
    const dir = join(tmpdir(), `underpass-bundles-${process.getuid?.() ?? 'user'}`);
    const file = join(dir, `${basename(entry, '.ts')}-${hash}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const part = `${file}.${process.pid}.part`;
      writeFileSync(part, code, { mode: 0o644 });
      renameSync(part, file);
    }
    return file;
  } catch (e) {
    log(`bundling ${basename(entry)} failed, running it through tsx: ${(e as Error).message}`);
    return undefined;
  }
}
