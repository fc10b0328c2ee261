import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type ConnectionOptions, connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CertificateAndKey, type ClientCertificateBundle, type DemoCa, loadOrCreateDemoCa } from '../../../core/certificates/certificate-authority.js';
import { type ClientIdentity, clientIdentity } from '../../../core/certificates/client-identity.js';
import { loadOrCreateServerCertificate } from '../../../core/certificates/server-certificate.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

const run = promisify(execFile);

let dataDir: TempDir;
let otherDir: TempDir;
let ca: DemoCa;
let server: CertificateAndKey;
let device: ClientCertificateBundle;
let intruder: ClientCertificateBundle;

beforeAll(async () => {
  dataDir = await makeTempDir('sw-mtls-');
  otherDir = await makeTempDir('sw-mtls-other-');
  ca = await loadOrCreateDemoCa(dataDir.path);
  server = await loadOrCreateServerCertificate(dataDir.path, ca, { hostnames: ['localhost'], addresses: ['127.0.0.1'] });
  device = await ca.issueClientCertificate('meter-7');
  intruder = await (await loadOrCreateDemoCa(otherDir.path)).issueClientCertificate('meter-7');
});

afterAll(async () => {
  await dataDir.remove();
  await otherDir.remove();
});

/** What the server saw of one connection attempt. */
interface ServerView {
  identities: (ClientIdentity | null)[];
  refusals: string[];
}

let running: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (running ? running.close(() => resolve()) : resolve()));
  running = undefined;
});

/** A mutual-TLS server like the broker's MQTTS listener: it greets each client by the device id in its certificate. */
async function startServer(): Promise<{ port: number; view: ServerView }> {
  const view: ServerView = { identities: [], refusals: [] };
  const tlsServer = createServer({ cert: server.cert, key: server.key, ca: [ca.cert], requestCert: true, rejectUnauthorized: true }, (socket) => {
    const identity = clientIdentity(socket.getPeerCertificate());
    view.identities.push(identity);
    socket.end(`hello ${identity?.deviceId}`);
  });
  tlsServer.on('tlsClientError', (error: NodeJS.ErrnoException) => view.refusals.push(error.code ?? error.message));
  running = tlsServer;
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  return { port: (tlsServer.address() as AddressInfo).port, view };
}

/** Connects, and resolves with what the server sent, or with the error that ended the attempt. */
function exchange(options: ConnectionOptions): Promise<{ received: string; error?: string; authorized: boolean }> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect(options);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('end', () => resolve({ received, authorized: socket.authorized }));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve({ received, error: error.code ?? error.message, authorized: socket.authorized });
    });
  });
}

describe('mutual TLS with the demo CA', () => {
  it('accepts a device with a certificate from the CA, and the server knows it by its device id and fingerprint', async () => {
    const { port, view } = await startServer();
    const result = await exchange({ host: '127.0.0.1', port, ca: device.ca, cert: device.cert, key: device.key });
    expect(result).toEqual({ received: 'hello meter-7', authorized: true });
    expect(view.identities).toEqual([{ deviceId: 'meter-7', fingerprint: device.fingerprint }]);
    expect(view.refusals).toEqual([]);
  });

  it('lets the device check the broker by hostname as well as by address', async () => {
    const { port } = await startServer();
    const result = await exchange({ host: '127.0.0.1', servername: 'localhost', port, ca: device.ca, cert: device.cert, key: device.key });
    expect(result).toEqual({ received: 'hello meter-7', authorized: true });
  });

  it('refuses a certificate from another CA, even one with the same device id', async () => {
    const { port, view } = await startServer();
    const result = await exchange({ host: '127.0.0.1', port, ca: ca.cert, cert: intruder.cert, key: intruder.key });
    // Under TLS 1.3 the client's handshake completes before the server checks its certificate,
    // so the client may see a plain end rather than an error; what matters is it gets nothing.
    expect(result.received).toBe('');
    expect(view.identities).toEqual([]);
    // node destroys the socket without passing on the verification error: the refusal shows as a hang-up.
    await expect.poll(() => view.refusals).toEqual(['ECONNRESET']);
  });

  it('refuses a client without a certificate', async () => {
    const { port, view } = await startServer();
    const result = await exchange({ host: '127.0.0.1', port, ca: ca.cert });
    expect(result.received).toBe('');
    expect(view.identities).toEqual([]);
    await expect.poll(() => view.refusals).toEqual(['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE']);
  });

  it('lets a device refuse a broker whose certificate is not from the CA it was given', async () => {
    const { port, view } = await startServer();
    const result = await exchange({ host: '127.0.0.1', port, ca: intruder.ca, cert: device.cert, key: device.key });
    // Both demo CAs are named for this machine, so OpenSSL finds the wrong one by name and reports a bad chain.
    expect(result).toEqual({ received: '', authorized: false, error: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(view.identities).toEqual([]);
  });
});

describe('the openssl CLI reads the certificates as standard X.509', () => {
  async function files(): Promise<Record<'ca' | 'server' | 'client' | 'otherCa', string>> {
    const paths = { ca: join(dataDir.path, 'ca.crt'), server: join(dataDir.path, 'server.crt'), client: join(dataDir.path, 'client.crt'), otherCa: join(otherDir.path, 'ca.crt') };
    await writeFile(paths.client, device.cert);
    return paths;
  }

  it('verifies the server and client certificates against ca.crt, each for its own purpose only', async () => {
    const path = await files();
    expect((await run('openssl', ['verify', '-CAfile', path.ca, path.server])).stdout).toBe(`${path.server}: OK\n`);
    expect((await run('openssl', ['verify', '-CAfile', path.ca, '-purpose', 'sslserver', path.server])).stdout).toBe(`${path.server}: OK\n`);
    expect((await run('openssl', ['verify', '-CAfile', path.ca, '-purpose', 'sslclient', path.client])).stdout).toBe(`${path.client}: OK\n`);
    await expect(run('openssl', ['verify', '-CAfile', path.ca, '-purpose', 'sslserver', path.client])).rejects.toThrow(/unsuitable certificate purpose/);
    await expect(run('openssl', ['verify', '-CAfile', path.otherCa, path.client])).rejects.toThrow(/unable to get local issuer certificate/);
  });

  it('shows the extensions the CA and the server certificate are meant to have', async () => {
    const path = await files();
    const caText = (await run('openssl', ['x509', '-noout', '-text', '-in', path.ca])).stdout;
    expect(caText).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(caText).toMatch(/NIST CURVE: P-256/);
    expect(caText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(caText).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);

    const serverText = (await run('openssl', ['x509', '-noout', '-text', '-in', path.server])).stdout;
    expect(serverText).toMatch(/CA:FALSE/);
    expect(serverText).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(serverText).toMatch(/X509v3 Subject Alternative Name:\s+DNS:localhost, IP Address:127\.0\.0\.1/);
    const hostCheck = (await run('openssl', ['x509', '-noout', '-in', path.server, '-checkhost', 'localhost', '-checkip', '127.0.0.1'])).stdout;
    expect(hostCheck).toBe('Hostname localhost does match certificate\nIP 127.0.0.1 does match certificate\n');
  });

  it('reads the private keys and finds each is its certificate\'s', async () => {
    const path = await files();
    const keyFile = join(dataDir.path, 'server.key');
    const fromKey = (await run('openssl', ['pkey', '-in', keyFile, '-pubout'])).stdout;
    const fromCertificate = (await run('openssl', ['x509', '-noout', '-pubkey', '-in', path.server])).stdout;
    expect(fromKey).toBe(fromCertificate);
    const fingerprint = (await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', path.client])).stdout;
    expect(fingerprint.trim().split('=')[1]!.replaceAll(':', '').toLowerCase()).toBe(device.fingerprint);
  });
});
