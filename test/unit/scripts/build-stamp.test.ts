import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIfChanged } from '../../../scripts/build-stamp.mjs';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let project: TempDir;
let builds: number;
let logged: string[];
/** What the next build does; a real one writes out/, a broken one fails before. */
let buildSucceeds: boolean;

const OUTPUTS = ['out/main/main.js', 'out/main/cli.js', 'out/preload/preload.cjs', 'out/renderer/index.html'];

async function write(file: string, content: string): Promise<void> {
  await mkdir(dirname(join(project.path, file)), { recursive: true });
  await writeFile(join(project.path, file), content);
}

/** A stand-in for electron-vite: writes the outputs when it succeeds. */
function builder(root: string): boolean {
  builds += 1;
  if (!buildSucceeds) return false;
  for (const file of OUTPUTS) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), `built ${builds}`);
  }
  return true;
}

const start = () => buildIfChanged({ root: project.path, builder, log: (line) => logged.push(line) });

beforeEach(async () => {
  project = await makeTempDir('sw-build-stamp-');
  builds = 0;
  logged = [];
  buildSucceeds = true;
  await write('core/cli.ts', 'export {};');
  await write('core/ingest/ingest.ts', 'export const a = 1;');
  await write('electron/main.ts', 'export {};');
  await write('renderer/src/App.tsx', 'export const App = () => null;');
  await write('renderer/index.html', '<div id="root"></div>');
  await write('package.json', '{}');
  await write('package-lock.json', '{}');
});

afterEach(async () => {
  await project.remove();
});

describe('buildIfChanged', () => {
  it('builds when there is no build yet, says so in one line, and stamps the result', async () => {
    expect(start()).toBe(true);
    expect(builds).toBe(1);
    expect(logged).toEqual(['building the app: its sources changed since the last build']);
    expect(await readFile(join(project.path, 'out/.build-stamp'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('skips the build when nothing changed, and when a file was only touched', async () => {
    start();
    expect(start()).toBe(true);
    const later = new Date(Date.now() + 60_000);
    await utimes(join(project.path, 'renderer/src/App.tsx'), later, later);
    expect(start()).toBe(true);
    expect(builds).toBe(1);
    expect(logged).toHaveLength(1);
  });

  it.each([
    ['a renderer file changes', () => write('renderer/src/App.tsx', 'export const App = () => 1;')],
    ['a core file changes', () => write('core/ingest/ingest.ts', 'export const a = 2;')],
    ['a file is added', () => write('electron/preload.ts', 'export {};')],
    ['a file is removed', () => rm(join(project.path, 'core/ingest/ingest.ts'))],
    ['a file is renamed', async () => {
      await rm(join(project.path, 'core/ingest/ingest.ts'));
      await write('core/ingest/ingest2.ts', 'export const a = 1;');
    }],
    ['the lock file changes (other dependencies)', () => write('package-lock.json', '{"lockfileVersion": 3}')],
    ['the build config appears', () => write('electron.vite.config.ts', 'export default {};')],
  ])('builds again when %s', async (_case, change) => {
    start();
    await change();
    expect(start()).toBe(true);
    expect(builds).toBe(2);
    expect(start()).toBe(true);
    expect(builds).toBe(2);
  });

  it('builds again when part of out/ was deleted, although the stamp is there', async () => {
    start();
    await rm(join(project.path, 'out/renderer'), { recursive: true });
    expect(start()).toBe(true);
    expect(builds).toBe(2);
    expect(existsSync(join(project.path, 'out/renderer/index.html'))).toBe(true);
  });

  it('leaves no stamp after a failed build, so the next start builds again', async () => {
    start();
    await write('renderer/src/App.tsx', 'syntax error');
    buildSucceeds = false;
    expect(start()).toBe(false);
    expect(existsSync(join(project.path, 'out/.build-stamp'))).toBe(false);
    buildSucceeds = true;
    expect(start()).toBe(true);
    expect(builds).toBe(3);
  });

  it('ignores files outside the sources that feed the build', async () => {
    start();
    await write('test/unit/some.test.ts', 'changed');
    await write('README.md', 'changed');
    expect(start()).toBe(true);
    expect(builds).toBe(1);
  });
});
