import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIfChanged } from '../scripts/build-stamp.mjs';

/**
 * `npm start`: the desktop app when the Electron binary is (or can be made) present, otherwise the
 * same UI in browser mode. Since Electron 42 the package has no install script: the binary is
 * fetched by its install.js when first needed. Requiring 'electron' would do that too, but it prints
 * the download's progress and a stack trace on failure; run here, a failure is one line.
 */
const electronDir = join(import.meta.dirname, '..', 'node_modules', 'electron');

/** Where the electron package's own index.js looks (path.txt is written once the binary is extracted). */
function electronBinary(): string | null {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(electronDir, 'dist'), readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : null;
}

function fetchElectron(): string | null {
  const result = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8', timeout: 300_000 });
  if (result.status === 0) return electronBinary();
  const output = `${result.stderr ?? ''}\n${result.stdout ?? ''}`;
  const reason = output.split('\n').find((line) => line.trim())?.trim() ?? result.error?.message ?? `install.js exited with ${result.status ?? result.signal}`;
  process.stderr.write(`Electron binary is missing and could not be downloaded (${reason.slice(0, 160)}); starting browser mode instead.\n`);
  return null;
}

/**
 * Electron runs in a process group of its own and gets stop signals from this launcher only: in
 * ours, a signal to the group (Ctrl-C, `timeout`) would reach it twice, directly and forwarded, and
 * a second quit while the first is flushing skips the flush. SIGHUP (the terminal closed) reaches
 * only our group, so it is passed on as SIGTERM.
 */
function run(command: string, args: string[]): Promise<number> {
  const child = spawn(command, args, { stdio: 'inherit', detached: true });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  process.on('SIGHUP', () => child.kill('SIGTERM'));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

/** A larger young generation cuts garbage-collection time at high reading rates (~+10-20% ingest throughput in npm run bench). */
const YOUNG_GENERATION = '--max-semi-space-size=64';

async function main(): Promise<void> {
  const binary = electronBinary() ?? fetchElectron();
  if (!buildIfChanged()) {
    process.exitCode = 1;
    return;
  }
  if (!binary) {
    // Browser mode is `npm run serve` with the same flags, in this process (package.json gives it the young-generation flag).
    await import('../scripts/serve.mjs');
    return;
  }
  process.exitCode = await run(binary, [`--js-flags=${YOUNG_GENERATION}`, '.', ...process.argv.slice(2)]);
}

void main();
