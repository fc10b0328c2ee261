import { isIP } from 'node:net';
import { join } from 'node:path';
import { loadOrCreateDemoCa, type CertificateAndKey, type DemoCa } from './certificate-authority.js';
import { loadOrCreateServerCertificate } from './server-certificate.js';
import { machineNames, parseServerNames, type ServerNames } from './server-names.js';

/** Where the demo CA and the broker's generated certificate live, inside the data dir. */
export const CERTIFICATES_DIR = 'certificates';

/** A TLS listener's certificate, key and client CA, all from the demo CA. */
export interface DemoServerTls extends CertificateAndKey {
  ca: string;
  requireClientCert: boolean;
}

/** The demo CA in <dataDir>/certificates, loaded or created once; a failure is not kept, so fixing the files and retrying works. */
export function demoCaLoader(dataDir: string): () => Promise<DemoCa> {
  let loading: Promise<DemoCa> | null = null;
  return () => {
    loading ??= loadOrCreateDemoCa(join(dataDir, CERTIFICATES_DIR)).catch((error: unknown) => {
      loading = null;
      throw error;
    });
    return loading;
  };
}

/**
 * TLS listeners without a certificate of the user's own: a server certificate from the demo CA for
 * every name of this machine, and the demo CA as the client CA, so the device certificates the UI
 * issues verify.
 */
export async function demoServerTls(dataDir: string, ca: DemoCa, brokerHost: string, requireClientCert: boolean): Promise<DemoServerTls> {
  const { cert, key } = await loadOrCreateServerCertificate(join(dataDir, CERTIFICATES_DIR), ca, brokerNames(brokerHost));
  return { cert, key, ca: ca.cert, requireClientCert };
}

/** The machine's names, plus the broker's host when it names one address or host rather than all interfaces. */
function brokerNames(host: string): ServerNames {
  const names = machineNames();
  if (host === '0.0.0.0' || host === '::') return names;
  const own = isIP(host) === 0 ? { hostnames: [host], addresses: [] } : { hostnames: [], addresses: [host] };
  return parseServerNames({ hostnames: [...names.hostnames, ...own.hostnames], addresses: [...names.addresses, ...own.addresses] });
}
