import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.js';
import { runInProject, type CliProcess, type ReadyAddresses } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let scratch: TempDir;
let start: CliProcess;
let ready: ReadyAddresses;

/**
 * `npm start` where the Electron binary is missing and cannot be fetched: the binary is looked for
 * in an empty directory, and Electron's own install.js downloads from a port nothing listens on
 * (so no test ever downloads Electron, with or without a network).
 */
beforeAll(async () => {
  scratch = await makeTempDir('sw-launch-');
  const env = {
    ELECTRON_OVERRIDE_DIST_PATH: scratch.path,
    ELECTRON_MIRROR: `http://127.0.0.1:${await freePort()}/`,
    electron_config_cache: scratch.path,
  };
  start = runInProject('npm', ['start', '--', '--data-dir', scratch.path, '--http-port', '0', '--mqtt-port', '0', '--udp-port', '0'], env);
  ready = await start.ready();
});

afterAll(async () => {
  await start?.kill();
  await scratch?.remove();
});

describe('npm start without an Electron binary', () => {
  it('says so in one line, then serves the UI in browser mode', async () => {
    const electronLines = start.stderr().split('\n').filter((line) => /electron/i.test(line));
    expect(electronLines).toEqual([expect.stringMatching(/^Electron binary is missing and could not be downloaded \(.+\); starting browser mode instead\.$/)]);
    const page = await fetch(new URL('/', new URL(ready.http).origin));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  });

  it('stops cleanly on SIGTERM', async () => {
    process.kill(start.child.pid!, 'SIGTERM');
    expect(await start.exited).toEqual({ code: 0, signal: null });
    expect(start.stderr()).toContain('stopped cleanly, nothing left unwritten');
  });
});
