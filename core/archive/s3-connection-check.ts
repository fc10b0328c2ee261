import { createHash, randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3CheckStep, S3ConnectionCheck } from '../api/archive.js';
import { createS3Client, type S3Settings } from './s3-client.js';
import { describeEndpoint, explainS3Failure, s3FailureCause, type S3FailureCause } from './s3-error.js';

export const NO_BUCKET_PROBLEM = 'No S3 bucket is configured: set --s3-bucket (and --s3-endpoint for MinIO), or archive.s3.bucket in the config file.';

/** How long connecting and the TLS handshake may take before the check calls the endpoint unreachable. */
const NETWORK_TIMEOUT_MS = 5_000;

/** A step that failed: `detail` for its row, `problem` the sentence saying what to change. */
class StepFailure extends Error {
  constructor(
    readonly detail: string,
    readonly problem: string,
  ) {
    super(problem);
  }
}

interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
  /** How the user named it, for messages: the --s3-endpoint value or the AWS region. */
  setting: string;
  /** What to check when the host does not resolve. */
  dnsHint: string;
}

type Steps = S3ConnectionCheck['steps'];

/**
 * Walks from configuration to a written, read and deleted test object, stopping at the first step
 * that fails, so the answer names the one thing to fix: the bucket name, DNS, a port, TLS, the
 * credentials, the bucket, or a permission. No message carries a secret.
 */
export async function checkS3Connection(settings: S3Settings): Promise<S3ConnectionCheck> {
  const steps: Steps = [];
  try {
    const bucket = await step(steps, 'config', async () => checkConfig(settings));
    const endpoint = endpointOf(settings);
    const address = await step(steps, 'dns', () => resolveHost(endpoint));
    await step(steps, 'connect', () => connectTo(endpoint, address.value));
    await step(steps, 'tls', () => handshake(endpoint, address.value));
    await checkThroughS3(steps, settings, bucket.value);
    return { ok: true, steps, problem: null };
  } catch (error) {
    if (error instanceof StepFailure) return { ok: false, steps, problem: error.problem };
    throw error;
  }
}

/** The steps that talk S3: credentials, bucket, and a test object's round trip. */
async function checkThroughS3(steps: Steps, settings: S3Settings, bucket: string): Promise<void> {
  const client = createS3Client(settings);
  try {
    await step(steps, 'credentials', () => checkCredentials(client, settings));
    await step(steps, 'bucket', () => checkBucket(client, settings, bucket));
    const testObject = { Bucket: bucket, Key: `${settings.keyPrefix}energy/.workbench-connection-test` };
    const body = Buffer.from(`sensor-workbench connection test ${randomUUID()}\n`);
    await step(steps, 'write', () => writeTestObject(client, settings, testObject, body));
    await step(steps, 'read', () => readTestObject(client, settings, testObject, body));
    await step(steps, 'delete', () => deleteTestObject(client, settings, testObject));
  } finally {
    client.destroy();
  }
}

interface StepResult<T> {
  detail: string;
  value: T;
}

/** Runs and times one step, recording its row; a StepFailure is recorded and rethrown to end the check. */
async function step<T>(steps: Steps, name: S3CheckStep, action: () => Promise<StepResult<T>>): Promise<StepResult<T>> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const result = await action();
    steps.push({ step: name, ok: true, detail: result.detail, ms: ms() });
    return result;
  } catch (error) {
    const failure = error instanceof StepFailure ? error : new StepFailure(String(error), `The ${name} step failed unexpectedly: ${(error as Error).message}`);
    steps.push({ step: name, ok: false, detail: failure.detail, ms: ms() });
    throw failure;
  }
}

function checkConfig(settings: S3Settings): StepResult<string> {
  if (settings.bucket === undefined) throw new StepFailure('no bucket configured', NO_BUCKET_PROBLEM);
  const style = settings.pathStyle ? 'path-style' : 'virtual-hosted-style';
  const credentials = settings.accessKeyId !== undefined ? 'keys from the config file' : 'credentials from the AWS default chain';
  return { detail: `bucket "${settings.bucket}" at ${describeEndpoint(settings)}, ${style} URLs, ${credentials}`, value: settings.bucket };
}

function endpointOf(settings: S3Settings): Endpoint {
  if (settings.endpoint === undefined) {
    const setting = `--s3-region ${settings.region}`;
    return { host: `s3.${settings.region}.amazonaws.com`, port: 443, tls: true, setting, dnsHint: `check ${setting} and that this machine resolves internet names` };
  }
  const url = new URL(settings.endpoint);
  const tls = url.protocol === 'https:';
  const setting = `--s3-endpoint ${describeEndpoint(settings)}`;
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port !== '' ? Number(url.port) : tls ? 443 : 80,
    tls,
    setting,
    dnsHint: `check the host name in ${setting}`,
  };
}

async function resolveHost({ host, dnsHint }: Endpoint): Promise<StepResult<string>> {
  if (isIP(host) !== 0) return { detail: `${host} is an IP address, nothing to resolve`, value: host };
  try {
    const addresses = await lookup(host, { all: true });
    const first = addresses[0];
    if (first === undefined) throw Object.assign(new Error('no addresses'), { code: 'ENOTFOUND' });
    return { detail: `${host} resolves to ${addresses.map((a) => a.address).join(', ')}`, value: first.address };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOTFOUND' || code === 'ENODATA') {
      throw new StepFailure(`${host}: ${code}`, `The S3 host ${host} does not resolve (${code}): ${dnsHint}.`);
    }
    throw new StepFailure(`${host}: ${code}`, `Looking up ${host} failed (${code}): the DNS server is unreachable or failing; check the network.`);
  }
}

async function connectTo({ port, setting }: Endpoint, address: string): Promise<StepResult<null>> {
  const target = `${address}:${port}`;
  try {
    (await openSocket(() => connectTcp({ host: address, port }), 'connect')).destroy();
    return { detail: `TCP connection to ${target}`, value: null };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ECONNREFUSED') {
      throw new StepFailure(`${target}: connection refused`, `Nothing accepts connections at ${target} (connection refused): start the S3 server, or correct the port in ${setting}.`);
    }
    if (code === 'ETIMEDOUT') {
      throw new StepFailure(`${target}: no answer in ${NETWORK_TIMEOUT_MS / 1000} s`, `No answer from ${target} within ${NETWORK_TIMEOUT_MS / 1000} s: a firewall drops the traffic or the address in ${setting} is wrong.`);
    }
    throw new StepFailure(`${target}: ${code}`, `Cannot connect to ${target} (${code}: ${(error as Error).message}): check the network route to the S3 endpoint.`);
  }
}

async function handshake(endpoint: Endpoint, address: string): Promise<StepResult<null>> {
  if (!endpoint.tls) return { detail: 'http:// endpoint: no TLS (traffic is not encrypted)', value: null };
  const { host, port } = endpoint;
  // Certificates name the host, not the address it resolved to.
  const servername = isIP(host) === 0 ? host : undefined;
  try {
    const socket = (await openSocket(() => connectTls({ host: address, port, servername, rejectUnauthorized: true }), 'secureConnect')) as TLSSocket;
    const detail = describeCertificate(socket);
    socket.destroy();
    return { detail, value: null };
  } catch (error) {
    throw tlsFailure(endpoint, error as NodeJS.ErrnoException);
  }
}

function describeCertificate(socket: TLSSocket): string {
  const certificate = socket.getPeerCertificate();
  const subject = certificate.subject?.CN ?? 'no common name';
  const issuer = certificate.issuer?.O ?? certificate.issuer?.CN ?? 'unknown issuer';
  return `${socket.getProtocol() ?? 'TLS'}, certificate for ${subject} issued by ${issuer}, valid until ${certificate.valid_to}`;
}

const SELF_SIGNED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']);
const UNKNOWN_ISSUER = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);

function tlsFailure({ host, port, setting }: Endpoint, error: NodeJS.ErrnoException): StepFailure {
  const code = error.code ?? 'error';
  const detail = `${host}:${port}: ${code}`;
  if (SELF_SIGNED.has(code)) {
    return new StepFailure(detail, `The certificate of ${host} is self-signed (${code}): use a certificate from a trusted CA, or add its CA with NODE_EXTRA_CA_CERTS.`);
  }
  if (UNKNOWN_ISSUER.has(code)) {
    return new StepFailure(detail, `The certificate of ${host} is signed by an unknown CA (${code}): add that CA with NODE_EXTRA_CA_CERTS, or have the server send its full chain.`);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new StepFailure(detail, `The certificate presented at ${host} is for another host name (${error.message}): use the name it was issued for in ${setting}.`);
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new StepFailure(detail, `The certificate of ${host} is not valid now (${code}): renew it, or check this machine's clock.`);
  }
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO' || code === 'ECONNRESET') {
    return new StepFailure(detail, `${host}:${port} does not speak TLS (${code}): use http:// in ${setting}, or the port where the server serves https.`);
  }
  if (code === 'ETIMEDOUT') {
    return new StepFailure(detail, `The TLS handshake with ${host}:${port} got no answer within ${NETWORK_TIMEOUT_MS / 1000} s: is that port really the server's https port?`);
  }
  return new StepFailure(detail, `The TLS handshake with ${host}:${port} failed (${code}: ${error.message}).`);
}

/** Opens a socket and waits for `readyEvent` within the timeout; the caller closes it. */
function openSocket(open: () => Socket, readyEvent: 'connect' | 'secureConnect'): Promise<Socket> {
  return new Promise((resolvePromise, reject) => {
    const socket = open();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    }, NETWORK_TIMEOUT_MS);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      resolvePromise(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * Resolving the provider proves credentials exist; a signed ListBuckets proves S3 accepts them
 * (HeadBucket cannot: a HEAD answer carries no error code to tell a wrong key from a missing grant).
 */
async function checkCredentials(client: S3Client, settings: S3Settings): Promise<StepResult<null>> {
  let accessKeyId: string;
  try {
    ({ accessKeyId } = await client.config.credentials());
  } catch {
    throw new StepFailure('no credentials found', "No credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the config file's archive.s3 keys.");
  }
  const key = `access key ${maskKeyId(accessKeyId)}`;
  const source = settings.accessKeyId !== undefined ? 'archive.s3.accessKeyId' : 'AWS_ACCESS_KEY_ID (or the AWS profile)';
  const secret = settings.secretAccessKey !== undefined ? 'archive.s3.secretAccessKey' : 'AWS_SECRET_ACCESS_KEY (or the AWS profile)';
  try {
    await client.send(new ListBucketsCommand({}));
    return { detail: `${key} accepted`, value: null };
  } catch (error) {
    const cause = s3FailureCause(error);
    switch (cause.code) {
      case 'AccessDenied':
        return { detail: `${key} accepted (not allowed to list buckets, which archiving does not need)`, value: null };
      case 'InvalidAccessKeyId':
        throw new StepFailure(`${key}: InvalidAccessKeyId`, `S3 does not know ${key} (wrong key id): correct ${source}.`);
      case 'SignatureDoesNotMatch':
        throw new StepFailure(`${key}: SignatureDoesNotMatch`, `The secret key does not belong to ${key} (wrong secret): correct ${secret}.`);
      case 'ExpiredToken':
      case 'TokenRefreshRequired':
        throw new StepFailure(`${key}: ${cause.code}`, `The session token of ${key} has expired: get fresh temporary credentials.`);
    }
    throw requestFailure('ListBuckets', cause, settings);
  }
}

async function checkBucket(client: S3Client, settings: S3Settings, bucket: string): Promise<StepResult<null>> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return { detail: `bucket "${bucket}" exists and is accessible`, value: null };
  } catch (error) {
    const cause = s3FailureCause(error);
    const detail = `HeadBucket ${bucket}: ${cause.status ?? 'no answer'} ${cause.code}`;
    if (cause.status === 404) {
      const creation = settings.createBucket
        ? 'the archiver creates it before its first upload (archive.s3.createBucket is on), or create it yourself'
        : 'create it, or set archive.s3.createBucket to true so the archiver creates it';
      throw new StepFailure(detail, `Bucket "${bucket}" does not exist at ${describeEndpoint(settings)}: ${creation}.`);
    }
    if (cause.status === 301 || (cause.bucketRegion !== null && cause.bucketRegion !== settings.region)) {
      const region = cause.bucketRegion ?? 'another region';
      throw new StepFailure(detail, `Bucket "${bucket}" is in ${region}, not ${settings.region}: set --s3-region ${cause.bucketRegion ?? 'to its region'}.`);
    }
    if (cause.status === 403) {
      throw new StepFailure(detail, `The access key may not use bucket "${bucket}" (403): grant it s3:ListBucket, s3:GetObject and s3:PutObject there, or check the bucket name.`);
    }
    throw requestFailure(`HeadBucket ${bucket}`, cause, settings);
  }
}

interface TestObject {
  Bucket: string;
  Key: string;
}

async function writeTestObject(client: S3Client, settings: S3Settings, object: TestObject, body: Buffer): Promise<StepResult<null>> {
  try {
    await client.send(new PutObjectCommand({ ...object, Body: body, ContentMD5: createHash('md5').update(body).digest('base64') }));
    return { detail: `wrote ${object.Key} (${body.length} bytes)`, value: null };
  } catch (error) {
    throw requestFailure(`PutObject ${object.Key}`, s3FailureCause(error), settings, `grant s3:PutObject on ${settings.keyPrefix}energy/*`);
  }
}

async function readTestObject(client: S3Client, settings: S3Settings, object: TestObject, body: Buffer): Promise<StepResult<null>> {
  let stored: Uint8Array;
  try {
    const answer = await client.send(new GetObjectCommand(object));
    stored = (await answer.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    throw requestFailure(`GetObject ${object.Key}`, s3FailureCause(error), settings, `grant s3:GetObject on ${settings.keyPrefix}energy/*`);
  }
  if (!body.equals(stored)) {
    throw new StepFailure(`read ${stored.length} bytes, wrote ${body.length}`, `Bucket "${object.Bucket}" returned other bytes than were written: a proxy or gateway in front of S3 alters objects.`);
  }
  return { detail: `read ${object.Key} back, ${stored.length} bytes identical`, value: null };
}

async function deleteTestObject(client: S3Client, settings: S3Settings, object: TestObject): Promise<StepResult<null>> {
  try {
    await client.send(new DeleteObjectCommand(object));
    return { detail: `deleted ${object.Key}`, value: null };
  } catch (error) {
    throw requestFailure(`DeleteObject ${object.Key}`, s3FailureCause(error), settings, 'grant s3:DeleteObject for this check, or delete the test object yourself (archiving never deletes)');
  }
}

function requestFailure(operation: string, cause: S3FailureCause, settings: S3Settings, remedy?: string): StepFailure {
  const explanation = explainS3Failure(cause, settings);
  const denied = cause.status === 403 && remedy !== undefined;
  return new StepFailure(`${operation}: ${cause.status ?? 'no answer'} ${cause.code}`, `${operation} failed: ${explanation}${denied ? `; ${remedy}` : ''}.`);
}

/** Enough of the key id to recognise it; the secret never appears anywhere. */
function maskKeyId(accessKeyId: string): string {
  return accessKeyId.length > 8 ? `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}` : `${accessKeyId.slice(0, 2)}…`;
}
