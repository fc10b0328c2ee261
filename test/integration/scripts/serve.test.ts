import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProject, type CliProcess } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let dataDir: TempDir;
let serve: CliProcess;

/** The processes npm started (Linux: /proc); there is one, the shell steps aside for the server. */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

beforeAll(async () => {
  dataDir = await makeTempDir('sw-npm-serve-');
  serve = runInProject('npm', ['run', 'serve', '--', '--data-dir', dataDir.path, '--http-port', '0', '--mqtt-port', '0', '--udp-port', '0']);
  await serve.ready();
});

afterAll(async () => {
  await serve?.kill();
  await dataDir?.remove();
});

describe('npm run serve', () => {
  it("runs the built cli in npm's own child, a node process with the young-generation flag and no tsx", () => {
    const children = childrenOf(serve.child.pid!);
    expect(children).toHaveLength(1);
    const [executable, ...args] = commandLine(children[0]!);
    expect(executable).toMatch(/node$/);
    expect(args.slice(0, 2)).toEqual(['--max-semi-space-size=64', 'scripts/serve.mjs']);
    expect(args.join(' ')).not.toContain('tsx');
  });

  it('prints no warning about the Node version or anything else on the way to ready', () => {
    expect(serve.stderr()).not.toMatch(/warning/i);
  });

  it("stops cleanly on one SIGTERM to npm's child, which gets it exactly once", async () => {
    const [server] = childrenOf(serve.child.pid!);
    process.kill(server!, 'SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(serve.stderr().match(/SIGTERM/g)).toHaveLength(1);
    expect(serve.stderr()).toContain('stopped cleanly, nothing left unwritten');
  });
});
