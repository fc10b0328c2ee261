import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DemoCa, loadOrCreateDemoCa } from '../../../core/certificates/certificate-authority.js';
import { CertificateFileError } from '../../../core/certificates/certificate-files.js';
import { loadOrCreateServerCertificate } from '../../../core/certificates/server-certificate.js';
import { machineNames, parseServerNames } from '../../../core/certificates/server-names.js';
import { X509Certificate } from '../../../core/certificates/x509.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const NAMES = { hostnames: ['broker.lan', 'localhost'], addresses: ['127.0.0.1', '::1'] };

let temp: TempDir;
let ca: DemoCa;
beforeEach(async () => {
  temp = await makeTempDir('sw-server-cert-');
  ca = await loadOrCreateDemoCa(temp.path);
});
afterEach(async () => {
  vi.useRealTimers();
  await temp.remove();
});

describe('loadOrCreateServerCertificate', () => {
  it('issues and stores server.crt and server.key, the key readable by the owner only', async () => {
    const server = await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    expect(await readFile(join(temp.path, 'server.crt'), 'utf8')).toBe(server.cert);
    expect(await readFile(join(temp.path, 'server.key'), 'utf8')).toBe(server.key);
    expect((await stat(join(temp.path, 'server.key'))).mode & 0o777).toBe(0o600);
  });

  it('reuses the stored certificate while it covers the requested names, in any spelling or order', async () => {
    const first = await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    expect(await loadOrCreateServerCertificate(temp.path, ca, NAMES)).toEqual(first);
    expect(await loadOrCreateServerCertificate(temp.path, ca, { hostnames: ['LOCALHOST'], addresses: ['0:0:0:0:0:0:0:1'] })).toEqual(first);
  });

  it('reissues for a name the stored certificate does not cover, and covers the new names', async () => {
    const first = await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    const second = await loadOrCreateServerCertificate(temp.path, ca, { ...NAMES, addresses: [...NAMES.addresses, '10.0.0.7'] });
    expect(second.cert).not.toBe(first.cert);
    expect(second.key).not.toBe(first.key);
    const nodeView = new NodeX509Certificate(second.cert);
    expect(nodeView.checkIP('10.0.0.7')).toBe('10.0.0.7');
    expect(nodeView.checkHost('broker.lan')).toBe('broker.lan');
    expect(await readFile(join(temp.path, 'server.crt'), 'utf8')).toBe(second.cert);
  });

  it('reissues a certificate that expires within 30 days', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 701 * DAY_MS);
    const old = await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    vi.useRealTimers();
    expect(new X509Certificate(old.cert).notAfter.getTime() - Date.now()).toBeLessThan(30 * DAY_MS);

    const renewed = await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    expect(renewed.cert).not.toBe(old.cert);
    expect(new X509Certificate(renewed.cert).notAfter.getTime() - Date.now()).toBeGreaterThan(700 * DAY_MS);
  });

  it('keeps a certificate with 31 days left', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 699 * DAY_MS);
    const stored = await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    vi.useRealTimers();
    expect(await loadOrCreateServerCertificate(temp.path, ca, NAMES)).toEqual(stored);
  });

  it('reissues a certificate signed by another CA', async () => {
    const first = await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    const otherDir = await makeTempDir('sw-other-ca-');
    try {
      const otherCa = await loadOrCreateDemoCa(otherDir.path);
      const second = await loadOrCreateServerCertificate(temp.path, otherCa, NAMES);
      expect(second.cert).not.toBe(first.cert);
      expect(new X509Certificate(second.cert).issuer).toBe(new X509Certificate(otherCa.cert).subject);
    } finally {
      await otherDir.remove();
    }
  });

  it('issues a new pair when one of the files is missing', async () => {
    const first = await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    await rm(join(temp.path, 'server.key'));
    const second = await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    expect(second.cert).not.toBe(first.cert);
    expect(await readFile(join(temp.path, 'server.key'), 'utf8')).toBe(second.key);
  });

  it.each([
    ['server.crt', 'garbage', /server\.crt: /],
    ['server.key', 'garbage', /server\.key: /],
  ])('refuses a broken %s with an error naming it, and leaves it in place', async (file, content, message) => {
    await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    await writeFile(join(temp.path, file), content);
    await expect(loadOrCreateServerCertificate(temp.path, ca, NAMES)).rejects.toThrow(CertificateFileError);
    await expect(loadOrCreateServerCertificate(temp.path, ca, NAMES)).rejects.toThrow(message);
    expect(await readFile(join(temp.path, file), 'utf8')).toBe(content);
  });

  it('refuses a server.key that is not the key of server.crt', async () => {
    await loadOrCreateServerCertificate(temp.path, ca, NAMES);
    await writeFile(join(temp.path, 'server.key'), (await ca.issueClientCertificate('meter-1')).key);
    await expect(loadOrCreateServerCertificate(temp.path, ca, NAMES)).rejects.toThrow(/server\.key: is not the key of .*server\.crt/);
  });
});

describe('machineNames', () => {
  it('lists the hostname, localhost, loopback and every interface address', () => {
    const names = machineNames();
    expect(names.hostnames).toEqual([hostname().toLowerCase(), 'localhost']);
    const interfaceAddresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address));
    expect(names.addresses).toEqual(expect.arrayContaining(['127.0.0.1', '::1', ...parseServerNames({ hostnames: [], addresses: interfaceAddresses }).addresses]));
    expect(new Set(names.addresses).size).toBe(names.addresses.length);
  });
});

describe('parseServerNames', () => {
  it('lower-cases hostnames, spells addresses one way and drops duplicates', () => {
    expect(parseServerNames({ hostnames: ['Broker.LAN', 'broker.lan'], addresses: ['::0:1', '::1', 'FD00:0:0::2', '::ffff:192.168.1.2', '10.0.0.1'] })).toEqual({
      hostnames: ['broker.lan'],
      addresses: ['::1', 'fd00::2', '::ffff:c0a8:102', '10.0.0.1'],
    });
  });

  it.each([
    [{ hostnames: ['-bad.example'], addresses: [] }, /hostnames\.0/],
    [{ hostnames: ['a'.repeat(64)], addresses: [] }, /hostnames\.0/],
    [{ hostnames: [], addresses: ['example.com'] }, /addresses\.0/],
    [{ hostnames: [] }, /addresses/],
    [{ hostnames: ['a'], addresses: [], extra: 1 }, /Unrecognized key/],
  ])('refuses %j naming the field', (names, message) => {
    expect(() => parseServerNames(names)).toThrow(message);
  });
});
