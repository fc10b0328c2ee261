// @ts-check
/**
 * Whether out/ is the build of the sources as they are now. After a successful build the digest of
 * every file that feeds it is written to out/.build-stamp; `npm run serve` and `npm start` build only
 * when the digest differs, which saves about a second and a half of every start.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** core/ has the bench, which the build leaves out: a change there costs one needless build, never a stale one. */
const SOURCE_DIRS = ['core', 'electron', 'renderer'];
/** package-lock.json stands for node_modules (the renderer bundles its dependencies). */
const SOURCE_FILES = ['electron.vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json'];
const STAMP = join('out', '.build-stamp');
/** A stamp proves nothing if part of out/ has been deleted since. */
const OUTPUTS = ['out/main/main.js', 'out/main/cli.js', 'out/preload/preload.cjs', 'out/renderer/index.html'];

/** @typedef {(root: string) => boolean} Builder runs the build in root; true when it succeeded */

/**
 * Digest of the sources' paths and contents (not their times: a checkout or a `touch` that leaves
 * the content alone needs no build).
 * @param {string} root
 */
export function sourceDigest(root) {
  const hash = createHash('sha256');
  for (const file of sourceFiles(root)) {
    const content = readFileSync(join(root, file));
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

/** @param {string} root */
function sourceFiles(root) {
  const inDirs = SOURCE_DIRS.flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name))),
  );
  return [...inDirs, ...SOURCE_FILES.filter((file) => existsSync(join(root, file)))].sort();
}

/**
 * @param {string} root
 * @param {string} digest
 */
export function buildIsCurrent(root, digest) {
  const stamp = join(root, STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === digest && OUTPUTS.every((file) => existsSync(join(root, file)));
}

/**
 * Builds and stamps the build with the digest taken before it began, so that an edit made while
 * it runs triggers the next one. The old stamp goes first: a failed or interrupted build leaves none.
 * @param {string} root
 * @param {Builder} builder
 * @param {string} [digest]
 */
export function buildAndStamp(root, builder, digest = sourceDigest(root)) {
  rmSync(join(root, STAMP), { force: true });
  if (!builder(root)) return false;
  mkdirSync(dirname(join(root, STAMP)), { recursive: true });
  writeFileSync(join(root, STAMP), digest);
  return true;
}

/**
 * @param {{ root?: string, builder?: Builder, log?: (line: string) => void }} [options]
 * @returns {boolean} whether out/ is now the build of the current sources
 */
export function buildIfChanged({ root = PROJECT_ROOT, builder = electronViteBuild(['--logLevel', 'error']), log = logLine } = {}) {
  const digest = sourceDigest(root);
  if (buildIsCurrent(root, digest)) return true;
  log('building the app: its sources changed since the last build');
  return buildAndStamp(root, builder, digest);
}

/**
 * electron-vite's own CLI with this Node, not through npx, which costs start-up time and prints its own noise.
 * @param {string[]} args
 * @returns {Builder}
 */
export function electronViteBuild(args) {
  return (root) => {
    const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
    return spawnSync(process.execPath, [cli, 'build', ...args], { cwd: root, stdio: 'inherit' }).status === 0;
  };
}

/** @param {string} line */
function logLine(line) {
  process.stderr.write(`${line}\n`);
}
