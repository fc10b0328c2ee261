import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../domain/device.js';

/** Who a mutual-TLS client is: its certificate's CN and the certificate's SHA-256 fingerprint. */
export interface ClientIdentity {
  deviceId: string;
  /** Lower-case hex without colons, as `issueClientCertificate` reports it. */
  fingerprint: string;
}

// Node gives fingerprint256 as colon-separated upper-case hex, e.g. "AB:CD:…".
const FINGERPRINT_256 = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}$/;

// A CN that appears twice comes back from node as an array; such a certificate names no single device.
const peerCertificateSchema = z.object({
  subject: z.object({ CN: z.string().regex(DEVICE_ID_PATTERN) }),
  fingerprint256: z.string().regex(FINGERPRINT_256),
});

/**
 * The identity in `tls.TLSSocket.getPeerCertificate()`, or null when the peer sent no certificate
 * (node then returns `{}`) or its CN is not a device id. The CN becomes part of Redis keys and
 * topic ACLs, so one with "/", "+" or "#" from some other CA is refused here, not trusted.
 * It says who the certificate names, not that it is trusted: check `socket.authorized` first.
 */
export function clientIdentity(peerCertificate: object): ClientIdentity | null {
  const parsed = peerCertificateSchema.safeParse(peerCertificate);
  if (!parsed.success) return null;
  return { deviceId: parsed.data.subject.CN, fingerprint: parsed.data.fingerprint256.replaceAll(':', '').toLowerCase() };
}
