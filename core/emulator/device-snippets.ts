import { meterReading } from './meter-generator.js';
import { meterTopic, THERMOSTAT_TOPIC } from '../domain/topics.js';
import type { DeviceKind } from '../devices/device-registry.js';

/**
 * Copy-paste commands that make a newly registered device send one reading, with exactly what the
 * "Connect a device" flow handed out: `mosquitto_pub` for a shell, and an mqtt.js script. Every
 * value that came from a user or the network is quoted for the shell and for JavaScript.
 */

export type BrokerProtocol = 'mqtt' | 'ws' | 'mqtts' | 'wss';

/** One broker listener as a device reaches it. */
export interface BrokerEndpoint {
  protocol: BrokerProtocol;
  url: string;
  host: string;
  port: number;
  /** What a TLS listener does with client certificates; 'none' for plain listeners. */
  clientCertificates: 'required' | 'optional' | 'none';
}

export interface SnippetDevice {
  id: string;
  kind: DeviceKind;
  /** The topic filters it may publish to: the snippet publishes to a topic one of them allows. */
  publish: string[];
}

/** How the device proves who it is: its password, or the certificate files `<id>.crt`, `<id>.key` and `ca.crt`. */
export type SnippetCredentials = { password: string } | { certificate: true };

export interface DeviceSnippets {
  mosquittoPub: string;
  mqttJs: string;
  /** The same over MQTT 5, the payload marked with its content type. */
  mosquittoPubV5: string;
  mqttJsV5: string;
}

/** The MQTT versions a snippet speaks: 4 is MQTT 3.1.1, which every device and tool knows. */
type SnippetVersion = 4 | 5;

/** The content type an MQTT 5 snippet declares: what ingest reads. */
const PAYLOAD_CONTENT_TYPE = 'application/json';

export const CA_FILE_NAME = 'ca.crt';
export const certificateFileName = (deviceId: string) => `${deviceId}.crt`;
export const keyFileName = (deviceId: string) => `${deviceId}.key`;

/** A meter reports every five minutes: the sample reading covers the last whole interval. */
const METER_INTERVAL_SECONDS = 300;
/** An address from the documentation range (RFC 5737): the thermostat payload carries its IP, which the snippet cannot know. */
const SAMPLE_DEVICE_IP = '192.0.2.10';

// Order of preference. mosquitto_pub speaks MQTT over TCP only; mqtt.js speaks every transport.
const CERTIFICATE_PROTOCOLS: BrokerProtocol[] = ['mqtts', 'wss'];
const PASSWORD_PROTOCOLS: BrokerProtocol[] = ['mqtt', 'mqtts', 'ws', 'wss'];
const TCP_PROTOCOLS: ReadonlySet<BrokerProtocol> = new Set(['mqtt', 'mqtts']);

export function deviceSnippets(device: SnippetDevice, credentials: SnippetCredentials, endpoints: BrokerEndpoint[], now = Date.now()): DeviceSnippets {
  const topic = sampleTopic(device);
  if (topic === null) {
    const none = `# ${device.id} may not publish to any topic: register it with a publish topic pattern to get a snippet.`;
    return { mosquittoPub: none, mqttJs: none.replace(/^#/, '//'), mosquittoPubV5: none, mqttJsV5: none.replace(/^#/, '//') };
  }
  const payload = samplePayload(device, topic, now);
  const usable = usableEndpoints(endpoints, credentials);
  const tcp = usable.find((endpoint) => TCP_PROTOCOLS.has(endpoint.protocol));
  const certificate = 'certificate' in credentials;
  const mosquittoPubIn = (version: SnippetVersion) =>
    tcp
      ? mosquittoPub(device.id, credentials, tcp, topic, payload, version)
      : `# mosquitto_pub needs an ${certificate ? 'MQTTS listener that asks for client certificates' : 'MQTT or MQTTS listener'}, and the broker has none.`;
  const mqttJsIn = (version: SnippetVersion) =>
    usable[0]
      ? mqttJs(device.id, credentials, usable[0], topic, payload, version)
      : `// The broker has no ${certificate ? 'TLS listener that asks for client certificates' : 'listener'} for this device.`;
  return { mosquittoPub: mosquittoPubIn(4), mqttJs: mqttJsIn(4), mosquittoPubV5: mosquittoPubIn(5), mqttJsV5: mqttJsIn(5) };
}

/** The listeners this device can connect to, best first: a certificate needs TLS that asks for one. */
function usableEndpoints(endpoints: BrokerEndpoint[], credentials: SnippetCredentials): BrokerEndpoint[] {
  const certificate = 'certificate' in credentials;
  const order = certificate ? CERTIFICATE_PROTOCOLS : PASSWORD_PROTOCOLS;
  return endpoints
    .filter((endpoint) => order.includes(endpoint.protocol) && (!certificate || endpoint.clientCertificates !== 'none'))
    .sort((a, b) => order.indexOf(a.protocol) - order.indexOf(b.protocol));
}

/** The topic the ingest rules read for the kind; any other device publishes where its first filter allows. */
export function sampleTopic(device: SnippetDevice): string | null {
  if (device.kind === 'meter') return meterTopic(device.id);
  if (device.kind === 'thermostat') return THERMOSTAT_TOPIC;
  const filter = device.publish[0];
  if (filter === undefined) return null;
  // `+` stands for one level, and a trailing `#` matches its parent level too, or anything when alone.
  const levels = filter.split('/').map((level) => (level === '+' ? device.id : level));
  if (levels.at(-1) === '#') levels.splice(-1, 1, ...(levels.length === 1 ? [device.id] : []));
  return levels.join('/');
}

function samplePayload(device: SnippetDevice, topic: string, now: number): unknown {
  if (device.kind === 'meter') {
    const slot = Math.floor(now / 1000 / METER_INTERVAL_SECONDS) * METER_INTERVAL_SECONDS - METER_INTERVAL_SECONDS;
    return [meterReading(device.id, slot, METER_INTERVAL_SECONDS)];
  }
  if (device.kind === 'thermostat') return { deviceId: device.id, temperature: 21.5, humidity: 45, deviceIP: SAMPLE_DEVICE_IP };
  return { deviceId: device.id, topic, at: now };
}

function mosquittoPub(deviceId: string, credentials: SnippetCredentials, endpoint: BrokerEndpoint, topic: string, payload: unknown, version: SnippetVersion): string {
  const tls = endpoint.protocol === 'mqtts';
  const lines = [`mosquitto_pub${version === 5 ? ' -V 5' : ''} -h ${shellQuote(endpoint.host)} -p ${endpoint.port} -i ${shellQuote(deviceId)}`];
  if ('certificate' in credentials) {
    lines.push(`--cafile ${CA_FILE_NAME} --cert ${shellQuote(certificateFileName(deviceId))} --key ${shellQuote(keyFileName(deviceId))}`);
  } else {
    if (tls) lines.push(`--cafile ${CA_FILE_NAME}`);
    lines.push(`-u ${shellQuote(deviceId)} -P ${shellQuote(credentials.password)}`);
  }
  if (version === 5) lines.push(`-D publish content-type ${PAYLOAD_CONTENT_TYPE}`);
  lines.push(`-q 1 -t ${shellQuote(topic)}`, `-m ${shellQuote(JSON.stringify(payload))}`);
  const preface = tls && !('certificate' in credentials) ? `# ${CA_FILE_NAME}: the CA that signed the broker's certificate\n` : '';
  return preface + lines.join(' \\\n  ');
}

function mqttJs(deviceId: string, credentials: SnippetCredentials, endpoint: BrokerEndpoint, topic: string, payload: unknown, version: SnippetVersion): string {
  const tls = endpoint.protocol === 'mqtts' || endpoint.protocol === 'wss';
  const options = [`clientId: ${js(deviceId)}`, ...(version === 5 ? ['protocolVersion: 5'] : [])];
  if ('certificate' in credentials) {
    options.push(`ca: readFileSync(${js(CA_FILE_NAME)})`, `cert: readFileSync(${js(certificateFileName(deviceId))})`, `key: readFileSync(${js(keyFileName(deviceId))})`);
  } else {
    if (tls) options.push(`ca: readFileSync(${js(CA_FILE_NAME)})`);
    options.push(`username: ${js(deviceId)}`, `password: ${js(credentials.password)}`);
  }
  const usesFiles = tls || 'certificate' in credentials;
  return [
    '// Save as publish.mjs, then: npm install mqtt && node publish.mjs',
    ...(usesFiles ? ["import { readFileSync } from 'node:fs';"] : []),
    "import mqtt from 'mqtt';",
    '',
    ...(tls && !('certificate' in credentials) ? [`// ${CA_FILE_NAME}: the CA that signed the broker's certificate`] : []),
    `const client = await mqtt.connectAsync(${js(endpoint.url)}, {`,
    ...options.map((option) => `  ${option},`),
    '});',
    `const payload = ${JSON.stringify(payload, null, 2)};`,
    `await client.publishAsync(${js(topic)}, JSON.stringify(payload), { qos: 1${version === 5 ? `, properties: { contentType: ${js(PAYLOAD_CONTENT_TYPE)} }` : ''} });`,
    'await client.endAsync();',
  ].join('\n');
}

/** One shell word, whatever it contains: single quotes, with each `'` closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A JavaScript string literal (JSON's is one, and escapes U+2028/2029 as JS needs since ES2019). */
const js = (value: string) => JSON.stringify(value);
