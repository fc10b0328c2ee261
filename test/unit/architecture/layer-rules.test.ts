import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { cruise, type IViolation } from 'dependency-cruiser';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

/** The layer rules as `npm run lint` runs them, tried on small trees of files that break one rule each. */
const ruleSet = createRequire(import.meta.url)(resolve('.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: object };

let tree: TempDir | null = null;
afterEach(async () => {
  await tree?.remove();
  tree = null;
});

/** Writes `files` (path → source) into a fresh directory and cruises it with the project's rules. */
async function violationsOf(files: Record<string, string>): Promise<string[]> {
  tree = await makeTempDir('sw-layers-');
  for (const [path, source] of Object.entries(files)) {
    await mkdir(dirname(join(tree.path, path)), { recursive: true });
    await writeFile(join(tree.path, path), source);
  }
  const roots = ['core', 'renderer'].filter((root) => Object.keys(files).some((path) => path.startsWith(`${root}/`)));
  const result = await cruise(roots, {
    baseDir: tree.path,
    validate: true,
    ruleSet: { forbidden: ruleSet.forbidden },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  } as never);
  if (typeof result.output === 'string') throw new Error(result.output);
  return result.output.summary.violations.map((violation: IViolation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`);
}

const typeModule = (name: string) => `export interface ${name} { id: string }\n`;

describe('the layer rules', () => {
  it('accept imports that go down the layers', async () => {
    expect(
      await violationsOf({
        'core/domain/reading.ts': typeModule('Reading'),
        'core/model/keys.ts': "import type { Reading } from '../domain/reading.js';\nexport const key = (reading: Reading) => reading.id;\n",
        'core/ingest/ingest.ts': "import { key } from '../model/keys.js';\nexport const ingest = key;\n",
        'renderer/page.ts': "import type { Reading } from '../core/domain/reading.js';\nexport type Shown = Reading;\n",
      }),
    ).toEqual([]);
  });

  it('refuse a type-only import from a lower layer into a higher one', async () => {
    expect(
      await violationsOf({
        'core/server/contract.ts': typeModule('Settings'),
        'core/domain/connection.ts': "import type { Settings } from '../server/contract.js';\nexport type Connection = Settings;\n",
      }),
    ).toContain('layer-0-not-up: core/domain/connection.ts → core/server/contract.ts');
  });

  it('refuse a cycle between two folders of one layer, though no file imports itself', async () => {
    const violations = await violationsOf({
      'core/ingest/rule.ts': "import { pass } from '../archive/pass.js';\nexport const rule = pass;\n",
      'core/ingest/topics.ts': 'export const topic = 1;\n',
      'core/archive/pass.ts': 'export const pass = 1;\n',
      'core/archive/scan.ts': "import { topic } from '../ingest/topics.js';\nexport const scan = topic;\n",
    });
    expect(violations.some((line) => line.startsWith('no-folder-cycles: core/ingest'))).toBe(true);
    expect(violations.some((line) => line.startsWith('no-file-cycles'))).toBe(false);
  });

  it('refuse a cycle between files', async () => {
    const violations = await violationsOf({
      'core/query/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'core/query/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    expect(violations).toContain('no-file-cycles: core/query/a.ts → core/query/b.ts');
  });

  it('keep the renderer on the ground floor', async () => {
    expect(
      await violationsOf({
        'core/server/http-server.ts': 'export const port = 1;\n',
        'renderer/page.ts': "import { port } from '../core/server/http-server.js';\nexport const shown = port;\n",
      }),
    ).toContain('renderer-sees-only-the-ground-floor: renderer/page.ts → core/server/http-server.ts');
  });

  it('refuse a file of core/ outside every layer folder', async () => {
    expect(
      await violationsOf({
        'core/domain/reading.ts': typeModule('Reading'),
        'core/stack.ts': "import type { Reading } from './domain/reading.js';\nexport type Wired = Reading;\n",
      }),
    ).toContain('core-files-in-a-layer: core/stack.ts → core/domain/reading.ts');
  });

  it('find nothing to refuse in the project itself', async () => {
    const result = await cruise(['core', 'renderer', 'electron'], { validate: true, ruleSet: { forbidden: ruleSet.forbidden }, ...ruleSet.options } as never);
    if (typeof result.output === 'string') throw new Error(result.output);
    expect(result.output.summary.violations).toEqual([]);
  });
});
