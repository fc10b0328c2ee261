// @ts-check
/**
 * `npm run serve`: builds the app only when its sources changed since the last build, then runs
 * the built cli (out/main/cli.js) in this very process, so that signals reach the server directly.
 * package.json starts it with `exec` (the shell steps aside) and --max-semi-space-size=64, which
 * helps ingest throughput.
 */
import { join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { buildIfChanged, PROJECT_ROOT } from './build-stamp.mjs';

const cli = join(PROJECT_ROOT, 'out', 'main', 'cli.js');

if (buildIfChanged()) {
  // The cli reads its command at argv[2]; the flags npm passed on follow it.
  process.argv.splice(1, 1, cli, 'serve');
  await import(pathToFileURL(cli).href);
} else {
  process.exitCode = 1;
}
