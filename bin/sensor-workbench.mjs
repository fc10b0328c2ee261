#!/usr/bin/env -S node --max-semi-space-size=64
// @ts-check
/**
 * `sensor-workbench serve [flags]` (package.json's bin): the built cli in this very process, with
 * no npm in between, for a systemd unit or a container's entry point to signal directly. Like
 * `npm run serve` it builds first only when the sources changed since the last build.
 */
import { join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { buildIfChanged, PROJECT_ROOT } from '../scripts/build-stamp.mjs';

const cli = join(PROJECT_ROOT, 'out', 'main', 'cli.js');

if (buildIfChanged()) {
  // The cli reads its command at argv[2], as given here: `sensor-workbench serve --mqtt-port 1884`.
  process.argv.splice(1, 1, cli);
  await import(pathToFileURL(cli).href);
} else {
  process.exitCode = 1;
}
