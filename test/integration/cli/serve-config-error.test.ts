import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/serve-process.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

let dataDir: TempDir;

beforeAll(async () => {
  dataDir = await makeTempDir('sw-serve-bad-');
});

afterAll(async () => {
  await dataDir?.remove();
});

describe('npm run serve with a bad flag value', () => {
  it('exits non-zero before starting anything, with one stderr line naming mqtt.port, the value and the limit', async () => {
    const cli = runCli(['serve', '--data-dir', dataDir.path, '--mqtt-port', '70000']);
    try {
      const exit = await cli.exited;
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      const lines = cli.stderr().trim().split('\n');
      expect(lines, cli.stderr()).toHaveLength(1);
      expect(lines[0]).toContain('mqtt.port');
      expect(lines[0]).toContain('70000');
      expect(lines[0]).toContain('65535');
      expect(cli.stdout()).not.toContain('ready');
    } finally {
      await cli.kill();
    }
  });

  it('exits non-zero with one line naming an unknown flag', async () => {
    const cli = runCli(['serve', '--data-dir', dataDir.path, '--mqtt-prot', '1884']);
    try {
      const exit = await cli.exited;
      expect(exit.code).not.toBe(0);
      const lines = cli.stderr().trim().split('\n');
      expect(lines, cli.stderr()).toHaveLength(1);
      expect(lines[0]).toContain('--mqtt-prot');
    } finally {
      await cli.kill();
    }
  });
});
