import { singlePemBlock, webcrypto } from './key-pair.js';
import { PemConverter, X509Certificate } from './x509.js';

/**
 * Parses exactly one PEM certificate. @peculiar/x509 would also take hex or base64 and report
 * garbage as "Too big integer", so the PEM framing is checked first.
 */
export function parseCertificatePem(pem: string): X509Certificate {
  const der = singlePemBlock(pem, PemConverter.CertificateTag);
  try {
    return new X509Certificate(der);
  } catch (error) {
    throw new Error(`is not a valid X.509 certificate (${(error as Error).message})`, { cause: error });
  }
}

/**
 * 16 random bytes as a positive DER integer with no leading zero octet (top bits 01), so the
 * serial stays exactly 16 bytes: @peculiar/x509 would otherwise strip leading zeros or pad a 17th.
 */
export function randomSerialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}

/** SHA-256 of the DER, lower-case hex without colons: the one fingerprint format used everywhere here. */
export async function certificateFingerprint(certificate: X509Certificate): Promise<string> {
  return Buffer.from(await certificate.getThumbprint('SHA-256', webcrypto)).toString('hex');
}
