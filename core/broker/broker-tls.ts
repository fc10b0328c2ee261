import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type TlsOptions } from 'node:tls';

export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
  /** The CA that signs client certificates; without it no client certificate is asked for. */
  caFile?: string;
  requireClientCert?: boolean;
}

/** Certificate, key and client CA already in memory: the demo CA's, generated into the data dir. */
export interface TlsPem {
  cert: string;
  key: string;
  /** The CA client certificates are checked against. */
  ca: string;
  requireClientCert?: boolean;
}

/** What a TLS listener does with client certificates: refuse clients without one signed by the CA, ask for one, or not ask. */
export type ClientCertificates = 'required' | 'optional' | 'none';

export interface ServerTls {
  options: TlsOptions;
  clientCertificates: ClientCertificates;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads and checks the PEM files once at start-up, so a wrong file stops the broker with its name
 * instead of failing every handshake later with an OpenSSL error that names no file.
 */
export async function loadServerTls(source: TlsFiles | TlsPem): Promise<ServerTls> {
  if ('cert' in source) return serverTls(source.cert, source.key, source.ca, source.requireClientCert ?? false);
  const { certFile, keyFile, caFile, requireClientCert = false } = source;
  if (!certFile || !keyFile) throw new Error('a TLS listener (--mqtts-port, --mqtt-wss-port) needs --mqtt-tls-cert and --mqtt-tls-key (PEM files)');
  // Without a CA Node would check client certificates against the public roots: anyone with a public certificate would get in.
  if (requireClientCert && !caFile) throw new Error('--mqtt-require-client-cert needs --mqtt-tls-ca, the CA that signs the client certificates');
  const cert = checkCertificates(await readPem(certFile, '--mqtt-tls-cert'), certFile);
  const key = checkPrivateKey(await readPem(keyFile, '--mqtt-tls-key'), keyFile);
  const ca = caFile === undefined ? undefined : checkCertificates(await readPem(caFile, '--mqtt-tls-ca'), caFile);
  try {
    createSecureContext({ cert, key, ca });
  } catch (error) {
    throw new Error(`TLS certificate ${certFile} and key ${keyFile} do not go together: ${(error as Error).message}`, { cause: error });
  }
  return serverTls(cert, key, ca, requireClientCert);
}

function serverTls(cert: string, key: string, ca: string | undefined, requireClientCert: boolean): ServerTls {
  const clientCertificates: ClientCertificates = requireClientCert ? 'required' : ca ? 'optional' : 'none';
  return {
    options: { cert, key, ca, requestCert: clientCertificates !== 'none', rejectUnauthorized: clientCertificates === 'required' },
    clientCertificates,
  };
}

async function readPem(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file} (${flag}): ${(error as Error).message}`, { cause: error });
  }
}

function checkCertificates(pem: string, file: string): string {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error(`${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new Error(`${file} holds a certificate that cannot be parsed: ${(error as Error).message}`, { cause: error });
    }
  }
  return pem;
}

function checkPrivateKey(pem: string, file: string): string {
  try {
    createPrivateKey(pem);
  } catch (error) {
    throw new Error(`${file} is not an unencrypted PEM private key: ${(error as Error).message}`, { cause: error });
  }
  return pem;
}
