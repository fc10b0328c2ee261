import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateAndKey, DemoCa } from './certificate-authority.js';
import { parseCertificatePem } from './certificate-pem.js';
import { CERTIFICATE_MODE, checkFile, PRIVATE_KEY_MODE, readOptionalFile, writeFileAtomically } from './certificate-files.js';
import { importPrivateKey, keyMatchesCertificate, webcrypto } from './key-pair.js';
import { certificateCoversNames, parseServerNames, type ServerNames } from './server-names.js';
import type { X509Certificate } from './x509.js';

export const SERVER_CERTIFICATE_FILE = 'server.crt';
export const SERVER_KEY_FILE = 'server.key';

// Renewed a month ahead, so a broker left running never serves a certificate that lapses mid-run.
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * The broker's certificate in `dir`: the stored one while it is signed by `ca`, names everything
 * in `names` and has more than 30 days left; otherwise a new one from `ca`, stored for next time.
 * A file that exists but cannot be parsed, or a key that is not the certificate's, is an error
 * naming the file: it may be someone's own certificate, so it is not overwritten.
 */
export async function loadOrCreateServerCertificate(dir: string, ca: DemoCa, names: ServerNames): Promise<CertificateAndKey> {
  const requested = parseServerNames(names);
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, SERVER_CERTIFICATE_FILE);
  const keyFile = join(dir, SERVER_KEY_FILE);
  const stored = await readStoredCertificate(certFile, keyFile);
  if (stored && (await stillServes(stored.certificate, ca, requested))) return { cert: stored.cert, key: stored.key };
  const issued = await ca.issueServerCertificate(requested);
  await writeFileAtomically(keyFile, issued.key, PRIVATE_KEY_MODE);
  await writeFileAtomically(certFile, issued.cert, CERTIFICATE_MODE);
  return issued;
}

interface StoredCertificate extends CertificateAndKey {
  certificate: X509Certificate;
}

/** Null when either file is missing: half a pair is of no use, and issuing a new pair loses nothing. */
async function readStoredCertificate(certFile: string, keyFile: string): Promise<StoredCertificate | null> {
  const [cert, key] = await Promise.all([readOptionalFile(certFile), readOptionalFile(keyFile)]);
  if (cert === null || key === null) return null;
  const certificate = await checkFile(certFile, async () => parseCertificatePem(cert));
  await checkFile(keyFile, async () => {
    if (!(await keyMatchesCertificate(await importPrivateKey(key), certificate))) throw new Error(`is not the key of ${certFile}`);
  });
  return { cert, key, certificate };
}

async function stillServes(certificate: X509Certificate, ca: DemoCa, names: ServerNames): Promise<boolean> {
  const caCertificate = parseCertificatePem(ca.cert);
  const signedByCa =
    certificate.issuerName.toString() === caCertificate.subjectName.toString() &&
    (await certificate.verify({ publicKey: caCertificate.publicKey, signatureOnly: true }, webcrypto));
  return signedByCa && certificate.notAfter.getTime() - Date.now() > RENEW_BEFORE_MS && certificateCoversNames(certificate, names);
}
