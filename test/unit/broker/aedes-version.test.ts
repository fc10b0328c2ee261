import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PINNED_AEDES_VERSION } from '../../../core/broker/aedes-internals.js';

const packageJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { version: string; dependencies: Record<string, string> };

describe('the aedes the broker reaches into', () => {
  it('is the pinned version, exactly, in package.json and in node_modules', () => {
    // Another version must be checked against aedes-internals.ts before the pin moves.
    expect(packageJson(new URL('../../../package.json', import.meta.url).pathname).dependencies.aedes).toBe(PINNED_AEDES_VERSION);
    expect(packageJson(new URL('../../../node_modules/aedes/package.json', import.meta.url).pathname).version).toBe(PINNED_AEDES_VERSION);
  });
});
