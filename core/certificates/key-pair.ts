import { PemConverter, type X509Certificate } from './x509.js';

/** Node's WebCrypto, passed to @peculiar/x509 explicitly so no other module's provider choice can change ours. */
export const webcrypto: Crypto = globalThis.crypto;

export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

const PRIVATE_KEY_TAG = 'PRIVATE KEY';

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY"), which node:tls, OpenSSL and mosquitto all read. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), PRIVATE_KEY_TAG);
}

/** Reads a PKCS#8 P-256 key; anything else (RSA, another curve, garbage) throws. */
export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = singlePemBlock(pem, PRIVATE_KEY_TAG);
  try {
    return await webcrypto.subtle.importKey('pkcs8', der, EC_P256, true, ['sign']);
  } catch (error) {
    throw new Error(`is not a P-256 private key (${(error as Error).message})`, { cause: error });
  }
}

/** The DER of the one PEM block of this type: a file with none, or two, is not what it claims to be. */
export function singlePemBlock(pem: string, type: string): ArrayBuffer {
  const blocks = PemConverter.decodeWithHeaders(pem).filter((block) => block.type === type);
  if (blocks.length !== 1) throw new Error(`expected one "${type}" PEM block, found ${blocks.length}`);
  return blocks[0]!.rawData;
}

/** WebCrypto cannot derive a public key from a private one, but the private JWK carries the public point. */
export async function keyMatchesCertificate(privateKey: CryptoKey, certificate: X509Certificate): Promise<boolean> {
  const privateJwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  const publicKey = await certificate.publicKey.export(EC_P256, ['verify'], webcrypto);
  const publicJwk = await webcrypto.subtle.exportKey('jwk', publicKey);
  return privateJwk.x === publicJwk.x && privateJwk.y === publicJwk.y;
}
