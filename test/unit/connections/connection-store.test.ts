import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settingsFromInput } from '../../../core/connections/connection-settings.js';
import { ConnectionStore } from '../../../core/connections/connection-store.js';
import { passphraseSecretBox, unavailableSecretBox } from '../../../core/connections/secret-box.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

const box = passphraseSecretBox('a passphrase for the store tests', 'test');
let dir: TempDir;
let file: string;

beforeEach(async () => {
  dir = await makeTempDir('sw-connections-');
  file = join(dir.path, 'connections.json');
});
afterEach(() => dir.remove());

const settings = (name: string) => settingsFromInput({ name, host: 'db.example.com' }).settings;

describe('ConnectionStore', () => {
  it('keeps connections across a restart, with secrets encrypted in a file only the user can read', async () => {
    const store = await ConnectionStore.open(file, box);
    const saved = await store.add(settings('prod'), { password: 'hunter2', tlsKey: '-----BEGIN PRIVATE KEY-----\nsecret!key\n-----END PRIVATE KEY-----' });
    expect(saved.storedSecrets).toEqual({ password: true, sentinelPassword: false, tlsKey: true });

    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('secret!key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const reopened = await ConnectionStore.open(file, box);
    expect(reopened.list().map((connection) => connection.settings.name)).toEqual(['prod']);
    expect(reopened.secretsOf(saved.id)).toMatchObject({ password: 'hunter2' });
  });

  it('keeps a secret an edit leaves out, clears one set to null, replaces one given', async () => {
    const store = await ConnectionStore.open(file, box);
    const { id } = await store.add(settings('prod'), { password: 'one', sentinelPassword: 'two' });
    await store.update(id, settings('prod'), { sentinelPassword: null });
    expect(store.secretsOf(id)).toEqual({ password: 'one' });
    await store.update(id, settings('prod'), { password: 'three' });
    expect(store.secretsOf(id)).toEqual({ password: 'three' });
  });

  it('removes a connection', async () => {
    const store = await ConnectionStore.open(file, box);
    const { id } = await store.add(settings('a'), {});
    await store.add(settings('b'), {});
    await store.remove(id);
    expect((await ConnectionStore.open(file, box)).list().map((connection) => connection.settings.name)).toEqual(['b']);
  });

  it('stores connections without secrets when no key is set, and refuses secrets with the reason', async () => {
    const store = await ConnectionStore.open(file, unavailableSecretBox('set SW_SECRET_KEY'));
    await store.add(settings('plain'), {});
    await expect(store.add(settings('secret'), { password: 'pw' })).rejects.toThrow(/secrets cannot be stored: set SW_SECRET_KEY/);
    expect(store.list()).toHaveLength(1);
  });

  it('names the file and the field when the file is broken, instead of starting empty', async () => {
    await writeFile(file, '{"version":1,"connections":[{"id":"x","settings":{"name":"a","port":"nope"}}]}');
    await expect(ConnectionStore.open(file, box)).rejects.toThrow(/connections\.json: connections\.0\.settings\.port: .*fix or remove it/);
    await writeFile(file, '{not json');
    await expect(ConnectionStore.open(file, box)).rejects.toThrow(/is not JSON/);
  });
});
