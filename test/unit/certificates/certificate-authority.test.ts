import { createPrivateKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadOrCreateDemoCa } from '../../../core/certificates/certificate-authority.js';
import { CertificateFileError } from '../../../core/certificates/certificate-files.js';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  X509Certificate,
} from '../../../core/certificates/x509.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

const DAY_MS = 24 * 60 * 60 * 1000;

let temp: TempDir;
beforeEach(async () => {
  temp = await makeTempDir('sw-ca-');
});
afterEach(async () => {
  vi.useRealTimers();
  await temp.remove();
});

function validityDays(certificate: X509Certificate): number {
  return (certificate.notAfter.getTime() - certificate.notBefore.getTime()) / DAY_MS;
}

describe('loadOrCreateDemoCa', () => {
  it('creates the directory and a 10-year P-256 CA named for this machine, its key readable by the owner only', async () => {
    const dir = join(temp.path, 'data', 'certificates');
    const ca = await loadOrCreateDemoCa(dir);

    expect(await readFile(join(dir, 'ca.crt'), 'utf8')).toBe(ca.cert);
    expect((await stat(join(dir, 'ca.key'))).mode & 0o777).toBe(0o600);
    const certificate = new X509Certificate(ca.cert);
    expect(certificate.subject).toBe(`CN=Sensor Workbench Demo CA (${hostname()})`);
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    expect(certificate.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(validityDays(certificate)).toBeGreaterThanOrEqual(3652);
    expect(validityDays(certificate)).toBeLessThanOrEqual(3653);
    expect(certificate.notBefore.getTime()).toBeLessThan(Date.now());
    const basicConstraints = certificate.getExtension(BasicConstraintsExtension)!;
    expect(basicConstraints).toMatchObject({ ca: true, critical: true });
    const keyUsage = certificate.getExtension(KeyUsagesExtension)!;
    expect(keyUsage.usages).toBe(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign);
    expect(keyUsage.critical).toBe(true);
    expect(new NodeX509Certificate(ca.cert).ca).toBe(true);
  });

  it('reuses the stored CA on the next start', async () => {
    const first = await loadOrCreateDemoCa(temp.path);
    const keyBefore = await readFile(join(temp.path, 'ca.key'), 'utf8');
    const second = await loadOrCreateDemoCa(temp.path);
    expect(second.cert).toBe(first.cert);
    expect(await readFile(join(temp.path, 'ca.key'), 'utf8')).toBe(keyBefore);
    const client = await second.issueClientCertificate('meter-1');
    expect(new NodeX509Certificate(client.cert).checkIssued(new NodeX509Certificate(first.cert))).toBe(true);
  });

  it.each([
    ['ca.crt', 'not a certificate\n', /ca\.crt: expected one "CERTIFICATE" PEM block, found 0$/],
    ['ca.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /ca\.key: is not a P-256 private key/],
  ])('refuses a broken %s with an error naming it, and leaves it in place', async (file, content, message) => {
    await loadOrCreateDemoCa(temp.path);
    await writeFile(join(temp.path, file), content);
    await expect(loadOrCreateDemoCa(temp.path)).rejects.toThrow(CertificateFileError);
    await expect(loadOrCreateDemoCa(temp.path)).rejects.toThrow(message);
    expect(await readFile(join(temp.path, file), 'utf8')).toBe(content);
  });

  it('refuses a key that belongs to another CA', async () => {
    await loadOrCreateDemoCa(temp.path);
    const other = await makeTempDir('sw-ca-other-');
    try {
      await loadOrCreateDemoCa(other.path);
      await writeFile(join(temp.path, 'ca.key'), await readFile(join(other.path, 'ca.key')));
      await expect(loadOrCreateDemoCa(temp.path)).rejects.toThrow(/ca\.key: is not the key of .*ca\.crt/);
    } finally {
      await other.remove();
    }
  });

  it('refuses a certificate that is not a CA', async () => {
    const ca = await loadOrCreateDemoCa(temp.path);
    const device = await ca.issueClientCertificate('meter-1');
    await writeFile(join(temp.path, 'ca.crt'), device.cert);
    await writeFile(join(temp.path, 'ca.key'), device.key);
    await expect(loadOrCreateDemoCa(temp.path)).rejects.toThrow(/ca\.crt: is not a CA certificate/);
  });

  it('refuses an expired CA and says how to replace it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 3660 * DAY_MS);
    await loadOrCreateDemoCa(temp.path);
    vi.useRealTimers();
    await expect(loadOrCreateDemoCa(temp.path)).rejects.toThrow(/ca\.crt: expired on .*; delete ca\.crt and ca\.key to create a new demo CA/);
  });

  it('refuses half a CA rather than replacing it', async () => {
    await loadOrCreateDemoCa(temp.path);
    await rm(join(temp.path, 'ca.key'));
    await expect(loadOrCreateDemoCa(temp.path)).rejects.toThrow(/ca\.key: is missing but .*ca\.crt exists/);
  });
});

describe('DemoCa.issueServerCertificate', () => {
  it('issues a 2-year serverAuth certificate for the hostnames and addresses, signed by the CA', async () => {
    const ca = await loadOrCreateDemoCa(temp.path);
    const server = await ca.issueServerCertificate({ hostnames: ['Broker.Example', 'localhost'], addresses: ['127.0.0.1', '::1', '192.168.1.20'] });

    const certificate = new X509Certificate(server.cert);
    expect(certificate.subject).toBe('CN=broker.example');
    expect(certificate.issuer).toBe(new X509Certificate(ca.cert).subject);
    expect(await certificate.verify({ publicKey: new X509Certificate(ca.cert).publicKey, signatureOnly: true })).toBe(true);
    expect(validityDays(certificate)).toBe(730);
    expect(certificate.getExtension(BasicConstraintsExtension)).toMatchObject({ ca: false });
    expect(certificate.getExtension(ExtendedKeyUsageExtension)!.usages).toEqual([ExtendedKeyUsage.serverAuth]);
    expect(certificate.getExtension(SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([
      { type: 'dns', value: 'broker.example' },
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'ip', value: '192.168.1.20' },
    ]);
    // node's own parser reads the same names and matches the key to the certificate.
    const nodeView = new NodeX509Certificate(server.cert);
    expect(nodeView.subjectAltName).toBe('DNS:broker.example, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.20');
    expect(nodeView.checkHost('localhost')).toBe('localhost');
    expect(nodeView.checkIP('192.168.1.20')).toBe('192.168.1.20');
    expect(nodeView.checkPrivateKey(createPrivateKey(server.key))).toBe(true);
  });

  it.each([
    [{ hostnames: ['bad_name'], addresses: [] }, /hostnames\.0: must be a DNS name/],
    [{ hostnames: [], addresses: ['fe80::1%eth0'] }, /addresses\.0: must be an IPv4 or IPv6 address without a zone id/],
    [{ hostnames: [], addresses: ['300.1.1.1'] }, /addresses\.0: /],
    [{ hostnames: [], addresses: [] }, /at least one hostname or address/],
  ])('refuses %j', async (names, message) => {
    const ca = await loadOrCreateDemoCa(temp.path);
    await expect(ca.issueServerCertificate(names)).rejects.toThrow(message);
  });
});

describe('DemoCa.issueClientCertificate', () => {
  it('issues a 1-year clientAuth certificate named for the device, with a random 16-byte serial and its fingerprint', async () => {
    const ca = await loadOrCreateDemoCa(temp.path);
    const bundle = await ca.issueClientCertificate('meter-0042');

    expect(bundle.ca).toBe(ca.cert);
    const certificate = new X509Certificate(bundle.cert);
    expect(certificate.subject).toBe('CN=meter-0042');
    expect(validityDays(certificate)).toBe(365);
    expect(certificate.getExtension(ExtendedKeyUsageExtension)!.usages).toEqual([ExtendedKeyUsage.clientAuth]);
    expect(certificate.getExtension(KeyUsagesExtension)!.usages).toBe(KeyUsageFlags.digitalSignature);
    expect(certificate.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect((await ca.issueClientCertificate('meter-0042')).cert).not.toBe(bundle.cert);
    const nodeView = new NodeX509Certificate(bundle.cert);
    expect(bundle.fingerprint).toBe(nodeView.fingerprint256.replaceAll(':', '').toLowerCase());
    expect(bundle.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(nodeView.checkIssued(new NodeX509Certificate(ca.cert))).toBe(true);
  });

  it.each(['', 'meters/1', 'meter+', 'a#', 'x'.repeat(65)])('refuses the device id %j', async (deviceId) => {
    const ca = await loadOrCreateDemoCa(temp.path);
    await expect(ca.issueClientCertificate(deviceId)).rejects.toThrow(/^device id .*: must be 1-64 characters/);
  });
});
