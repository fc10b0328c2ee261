import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Name,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  type X509Certificate,
  X509CertificateGenerator,
} from './x509.js';
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../domain/device.js';
import { CERTIFICATE_MODE, CertificateFileError, checkFile, PRIVATE_KEY_MODE, readOptionalFile, writeFileAtomically } from './certificate-files.js';
import { certificateFingerprint, parseCertificatePem, randomSerialNumber } from './certificate-pem.js';
import { ECDSA_SHA256, generateKeyPair, importPrivateKey, keyMatchesCertificate, privateKeyPem, webcrypto } from './key-pair.js';
import { parseServerNames, type ServerNames } from './server-names.js';

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

/** What a device needs for mutual TLS: its certificate and key, and the CA to trust the broker by. */
export interface ClientCertificateBundle extends CertificateAndKey {
  ca: string;
  /** SHA-256 of the certificate's DER, lower-case hex without colons. */
  fingerprint: string;
}

export interface DemoCa {
  /** The CA certificate, PEM: the `ca` for the broker's listeners and for every device. */
  cert: string;
  issueServerCertificate(names: ServerNames): Promise<CertificateAndKey>;
  issueClientCertificate(deviceId: string): Promise<ClientCertificateBundle>;
}

export const CA_CERTIFICATE_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_YEARS = 10;
// Apple platforms refuse TLS server certificates valid for more than 825 days.
const SERVER_VALIDITY_DAYS = 730;
const CLIENT_VALIDITY_DAYS = 365;
// Certificates start an hour back, so a device whose clock runs a little behind still accepts them.
const CLOCK_SKEW_MS = 60 * 60 * 1000;

const REPLACE_HINT = `delete ${CA_CERTIFICATE_FILE} and ${CA_KEY_FILE} to create a new demo CA (every device then needs a new certificate)`;

const deviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, { message: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' });

/**
 * The demo CA in `dir`: the stored one when `ca.crt` and `ca.key` are there and usable, a new one
 * when neither is. A broken, expired or half-present CA is an error naming the file, never
 * silently replaced: replacing it would invalidate every certificate handed out to devices.
 */
export async function loadOrCreateDemoCa(dir: string): Promise<DemoCa> {
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, CA_CERTIFICATE_FILE);
  const keyFile = join(dir, CA_KEY_FILE);
  const [certPem, keyPem] = await Promise.all([readOptionalFile(certFile), readOptionalFile(keyFile)]);
  if (certPem === null && keyPem === null) return createDemoCa(certFile, keyFile);
  if (certPem === null) throw new CertificateFileError(certFile, `is missing but ${keyFile} exists; restore it or ${REPLACE_HINT}`);
  if (keyPem === null) throw new CertificateFileError(keyFile, `is missing but ${certFile} exists; restore it or ${REPLACE_HINT}`);
  const certificate = await checkFile(certFile, async () => parseCaCertificate(certPem));
  const privateKey = await checkFile(keyFile, async () => {
    const key = await importPrivateKey(keyPem);
    if (!(await keyMatchesCertificate(key, certificate))) throw new Error(`is not the key of ${certFile}`);
    return key;
  });
  return demoCa(certificate, privateKey);
}

async function createDemoCa(certFile: string, keyFile: string): Promise<DemoCa> {
  const keys = await generateKeyPair();
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialNumber(),
      name: commonName(`Sensor Workbench Demo CA (${hostname()})`),
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        // Path length 0: this CA signs only servers and devices, never another CA.
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  await writeFileAtomically(keyFile, await privateKeyPem(keys.privateKey), PRIVATE_KEY_MODE);
  await writeFileAtomically(certFile, certificate.toString('pem'), CERTIFICATE_MODE);
  return demoCa(certificate, keys.privateKey);
}

function parseCaCertificate(pem: string): X509Certificate {
  const certificate = parseCertificatePem(pem);
  if (!certificate.getExtension(BasicConstraintsExtension)?.ca) throw new Error('is not a CA certificate (basicConstraints CA:TRUE is missing)');
  const keyUsage = certificate.getExtension(KeyUsagesExtension);
  if (keyUsage && !(keyUsage.usages & KeyUsageFlags.keyCertSign)) throw new Error('is a CA certificate not allowed to sign certificates (keyUsage lacks keyCertSign)');
  if (certificate.notAfter.getTime() <= Date.now()) throw new Error(`expired on ${certificate.notAfter.toISOString()}; ${REPLACE_HINT}`);
  return certificate;
}

function demoCa(certificate: X509Certificate, privateKey: CryptoKey): DemoCa {
  const caPem = certificate.toString('pem');
  const issue = (leaf: LeafCertificate) => issueLeafCertificate(certificate, privateKey, leaf);
  return {
    cert: caPem,
    async issueServerCertificate(names) {
      const { hostnames, addresses } = parseServerNames(names);
      const { cert, key } = await issue({
        subject: hostnames[0] ?? addresses[0]!,
        validityDays: SERVER_VALIDITY_DAYS,
        usage: ExtendedKeyUsage.serverAuth,
        alternativeNames: new SubjectAlternativeNameExtension([
          ...hostnames.map((value) => ({ type: 'dns' as const, value })),
          ...addresses.map((value) => ({ type: 'ip' as const, value })),
        ]),
      });
      return { cert, key };
    },
    async issueClientCertificate(deviceId) {
      const parsed = deviceIdSchema.safeParse(deviceId);
      if (!parsed.success) throw new Error(`device id ${JSON.stringify(deviceId)}: ${parsed.error.issues[0]!.message}`);
      const { cert, key, certificate } = await issue({ subject: parsed.data, validityDays: CLIENT_VALIDITY_DAYS, usage: ExtendedKeyUsage.clientAuth });
      return { cert, key, ca: caPem, fingerprint: await certificateFingerprint(certificate) };
    },
  };
}

interface LeafCertificate {
  subject: string;
  validityDays: number;
  usage: ExtendedKeyUsage;
  alternativeNames?: Extension;
}

async function issueLeafCertificate(ca: X509Certificate, caKey: CryptoKey, leaf: LeafCertificate): Promise<CertificateAndKey & { certificate: X509Certificate }> {
  const keys = await generateKeyPair();
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  const certificate = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: commonName(leaf.subject),
      // The CA's own encoded name, so issuer and subject match byte for byte when chains are built.
      issuer: ca.subjectName,
      notBefore,
      notAfter: new Date(notBefore.getTime() + leaf.validityDays * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([leaf.usage]),
        ...(leaf.alternativeNames ? [leaf.alternativeNames] : []),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
        await authorityKeyIdentifier(ca),
      ],
    },
    webcrypto,
  );
  return { cert: certificate.toString('pem'), key: await privateKeyPem(keys.privateKey), certificate };
}

/** The CA's own subject key identifier when it has one: OpenSSL refuses a chain whose identifiers disagree. */
async function authorityKeyIdentifier(ca: X509Certificate): Promise<AuthorityKeyIdentifierExtension> {
  const subjectKeyId = ca.getExtension(SubjectKeyIdentifierExtension)?.keyId;
  return subjectKeyId ? new AuthorityKeyIdentifierExtension(subjectKeyId) : AuthorityKeyIdentifierExtension.create(ca, false, webcrypto);
}

// An explicit UTF8String: @peculiar/x509 would otherwise unescape backslashes and quotes and read a leading "#" as hex.
function commonName(value: string): Name {
  return new Name([{ CN: [{ utf8String: value }] }]);
}
