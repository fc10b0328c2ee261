import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from './temp-dir.js';

const run = promisify(execFile);

export interface PemPair {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface TestCertificates {
  /** Self-signed CA "Sensor Workbench Test CA" that signed server and client. */
  ca: PemPair;
  /** CN=localhost, valid for DNS:localhost and IP:127.0.0.1, serverAuth. */
  server: PemPair;
  /** CN=sw-test-client, clientAuth. */
  client: PemPair;
  /** A CA unrelated to ca, for "certificate from the wrong CA" cases. */
  otherCa: PemPair;
  /** A clientAuth certificate signed by otherCa. */
  otherClient: PemPair;
  dir: string;
  remove(): Promise<void>;
}

const VALIDITY_DAYS = '2';

/** Extensions of a CA: it may sign certificates and nothing else. */
const CA_EXTENSIONS = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'];

/** Extensions of a leaf certificate; ECDHE with an EC key needs only digitalSignature. */
const leafExtensions = (...purpose: string[]) => [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
  ...purpose,
];

/**
 * A throwaway PKI made with the openssl CLI in a temp dir: EC P-256 keys (fast to generate), valid for
 * two days, so TLS tests run against certificates no other test or machine shares.
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await makeTempDir('sw-certs-');
  try {
    const issue = (name: string, subject: string, extensions: string[], issuer?: PemPair) =>
      issueCertificate(dir.path, name, subject, extensions, issuer);
    const [ca, otherCa] = await Promise.all([
      issue('ca', 'Sensor Workbench Test CA', CA_EXTENSIONS),
      issue('other-ca', 'Sensor Workbench Other CA', CA_EXTENSIONS),
    ]);
    const [server, client, otherClient] = await Promise.all([
      issue('server', 'localhost', leafExtensions('extendedKeyUsage = serverAuth', 'subjectAltName = DNS:localhost, IP:127.0.0.1'), ca),
      issue('client', 'sw-test-client', leafExtensions('extendedKeyUsage = clientAuth'), ca),
      issue('other-client', 'sw-test-other-client', leafExtensions('extendedKeyUsage = clientAuth'), otherCa),
    ]);
    return { ca, server, client, otherCa, otherClient, dir: dir.path, remove: dir.remove };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

/** A new key and a certificate for it, signed by issuer, or by the key itself when there is none. */
async function issueCertificate(dir: string, name: string, commonName: string, extensions: string[], issuer?: PemPair): Promise<PemPair> {
  const file = (suffix: string) => join(dir, `${name}${suffix}`);
  const [keyFile, csrFile, extFile, certFile] = [file('.key'), file('.csr'), file('.ext'), file('.crt')];
  await writeFile(extFile, extensions.join('\n') + '\n');
  await run('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-subj', `/CN=${commonName}`, '-out', csrFile,
  ]);
  const signer = issuer ? ['-CA', issuer.certFile, '-CAkey', issuer.keyFile] : ['-key', keyFile];
  await run('openssl', [
    'x509', '-req', '-in', csrFile, ...signer, '-days', VALIDITY_DAYS,
    // A random serial, since two certificates from one CA must not share one.
    '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-extfile', extFile, '-out', certFile,
  ]);
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { cert, key, certFile, keyFile };
}
