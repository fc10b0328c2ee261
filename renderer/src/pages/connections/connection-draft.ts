import type { ConnectionInput, ConnectionView } from '../../../../core/api/connections.js';
import type { ConnectionKind, ConnectionSecrets, ConnectionSettings, HostPort, SchemaMapping } from '../../../../core/domain/connection.js';

/** The source documents' key names: what a connection reads unless its schema mapping says otherwise. */
const DEFAULT_SCHEMA: SchemaMapping = {
  keyPrefix: '',
  namespace: 'backend:dev',
  sensorData: 'SensorData',
  climatePrefix: 'climate:',
  devicePrefix: '',
  warningsChannel: 'Warnings',
};

export type SecretName = keyof ConnectionSecrets;

/** A secret as the form holds it: only what the user typed (stored ones never come back), or "clear the stored one". */
export interface SecretDraft {
  value: string;
  clear: boolean;
}

/** The form's contents, as typed: numbers and node lists stay text until the form is sent. */
export interface ConnectionDraft {
  url: string;
  name: string;
  kind: ConnectionKind;
  host: string;
  port: string;
  username: string;
  db: string;
  tls: { enabled: boolean; ca: string; cert: string; servername: string; verify: boolean };
  connectTimeoutMs: string;
  commandTimeoutMs: string;
  sentinel: { masterName: string; nodes: string; username: string; tls: boolean };
  cluster: { seeds: string; natMap: string };
  readOnly: boolean;
  schema: SchemaMapping;
  secrets: Record<SecretName, SecretDraft>;
}

const NO_SECRET: SecretDraft = { value: '', clear: false };

export function newDraft(): ConnectionDraft {
  return {
    url: '',
    name: '',
    kind: 'standalone',
    host: '',
    port: '6379',
    username: '',
    db: '0',
    tls: { enabled: false, ca: '', cert: '', servername: '', verify: true },
    // Blank: the server's defaults.
    connectTimeoutMs: '',
    commandTimeoutMs: '',
    sentinel: { masterName: '', nodes: '', username: '', tls: false },
    cluster: { seeds: '', natMap: '' },
    // Another Redis is somebody's data: nothing is written to it unless the user says so.
    readOnly: true,
    schema: { ...DEFAULT_SCHEMA },
    secrets: { password: NO_SECRET, sentinelPassword: NO_SECRET, tlsKey: NO_SECRET },
  };
}

/** A saved connection in the form, for editing; its secrets stay blank (kept unless typed over or cleared). */
export function draftFrom(view: ConnectionView): ConnectionDraft {
  return {
    url: '',
    name: view.name,
    kind: view.kind,
    host: view.host,
    port: String(view.port),
    username: view.username ?? '',
    db: String(view.db),
    tls: { enabled: view.tls.enabled, ca: view.tls.ca ?? '', cert: view.tls.cert ?? '', servername: view.tls.servername ?? '', verify: view.tls.verify },
    connectTimeoutMs: String(view.connectTimeoutMs),
    commandTimeoutMs: String(view.commandTimeoutMs),
    sentinel: {
      masterName: view.sentinel?.masterName ?? '',
      nodes: (view.sentinel?.nodes ?? []).map(formatHostPort).join('\n'),
      username: view.sentinel?.username ?? '',
      tls: view.sentinel?.tls ?? false,
    },
    cluster: {
      seeds: (view.cluster?.seeds ?? []).map(formatHostPort).join('\n'),
      natMap: (view.cluster?.natMap ?? []).map((entry) => `${formatHostPort(entry.from)} => ${formatHostPort(entry.to)}`).join('\n'),
    },
    readOnly: view.readOnly,
    schema: { ...DEFAULT_SCHEMA, ...view.schema },
    secrets: { password: NO_SECRET, sentinelPassword: NO_SECRET, tlsKey: NO_SECRET },
  };
}

/** What the form would send, or the first obviously wrong field. The server checks everything again and has the last word. */
type CheckedDraft = { input: ConnectionInput; problem: null } | { input: null; problem: string };

class DraftProblem extends Error {}

export function draftToInput(draft: ConnectionDraft): CheckedDraft {
  try {
    return { input: buildInput(draft), problem: null };
  } catch (error) {
    if (error instanceof DraftProblem) return { input: null, problem: error.message };
    throw error;
  }
}

/** Whether the pasted URL stands in for host, port, user, password, database and TLS on/off (the server takes them from it). */
export const usesUrl = (draft: ConnectionDraft): boolean => draft.kind === 'standalone' && draft.url.trim() !== '';

function buildInput(draft: ConnectionDraft): ConnectionInput {
  const name = draft.name.trim();
  if (name === '') throw new DraftProblem('Give the connection a name.');
  const fromUrl = usesUrl(draft);
  const url = draft.url.trim();
  if (fromUrl && !/^rediss?:\/\//i.test(url)) throw new DraftProblem('The URL must start with redis:// or rediss://.');

  const input: ConnectionInput = { name, kind: draft.kind, readOnly: draft.readOnly, schema: { ...draft.schema } };
  if (fromUrl) {
    input.url = url;
  } else {
    if (draft.kind === 'standalone') {
      const host = draft.host.trim();
      if (host === '') throw new DraftProblem('Enter the host, or paste a redis:// URL.');
      if (/\s/.test(host)) throw new DraftProblem('The host cannot contain spaces.');
      input.host = host;
      input.port = portNumber(draft.port, 'The port');
    }
    if (draft.username.trim() !== '') input.username = draft.username.trim();
    // A cluster has only database 0.
    if (draft.kind !== 'cluster') input.db = wholeNumber(draft.db, 'The database number', 0);
  }

  input.tls = {
    ...(!fromUrl && { enabled: draft.tls.enabled }),
    verify: draft.tls.verify,
    ...(draft.tls.ca.trim() !== '' && { ca: draft.tls.ca.trim() }),
    ...(draft.tls.cert.trim() !== '' && { cert: draft.tls.cert.trim() }),
    ...(draft.tls.servername.trim() !== '' && { servername: draft.tls.servername.trim() }),
  };
  if (draft.connectTimeoutMs.trim() !== '') input.connectTimeoutMs = wholeNumber(draft.connectTimeoutMs, 'The connect timeout', 1);
  if (draft.commandTimeoutMs.trim() !== '') input.commandTimeoutMs = wholeNumber(draft.commandTimeoutMs, 'The command timeout', 1);

  if (draft.kind === 'sentinel') {
    const masterName = draft.sentinel.masterName.trim();
    if (masterName === '') throw new DraftProblem('Enter the master name the sentinels know the server by.');
    const nodes = nodeLines(draft.sentinel.nodes, 'Sentinel nodes');
    if (nodes.length === 0) throw new DraftProblem('List at least one sentinel, as host:port.');
    input.sentinel = { masterName, nodes, tls: draft.sentinel.tls, ...(draft.sentinel.username.trim() !== '' && { username: draft.sentinel.username.trim() }) };
  }
  if (draft.kind === 'cluster') {
    const seeds = nodeLines(draft.cluster.seeds, 'Seed nodes');
    if (seeds.length === 0) throw new DraftProblem('List at least one seed node, as host:port.');
    input.cluster = { seeds, natMap: natMapLines(draft.cluster.natMap) };
  }

  const secrets = secretChanges(draft, fromUrl);
  if (Object.keys(secrets).length > 0) input.secrets = secrets;
  return input;
}

/** A string sets a secret, null clears it, absent keeps what is stored. Only the secrets this kind of connection uses. */
function secretChanges(draft: ConnectionDraft, fromUrl: boolean): ConnectionSecrets {
  const used: SecretName[] = ['tlsKey'];
  if (!fromUrl) used.push('password');
  if (draft.kind === 'sentinel') used.push('sentinelPassword');
  const secrets: ConnectionSecrets = {};
  for (const name of used) {
    const secret = draft.secrets[name];
    if (secret.clear) secrets[name] = null;
    else if (secret.value !== '') secrets[name] = secret.value;
  }
  return secrets;
}

const validPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65535;

function portNumber(text: string, what: string): number {
  const port = Number(text.trim());
  if (text.trim() === '' || !validPort(port)) throw new DraftProblem(`${what} must be a whole number from 1 to 65535.`);
  return port;
}

function wholeNumber(text: string, what: string, least: number): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < least) throw new DraftProblem(`${what} must be a whole number${least > 0 ? ` of at least ${least}` : ''}.`);
  return value;
}

/** `host:port`, or `[v6 address]:port`; null when it is neither or the port is out of range. */
function parseHostPort(text: string): HostPort | null {
  const match = /^\[([^\]\s]+)\]:(\d+)$/.exec(text) ?? /^([^\s:[\]]+):(\d+)$/.exec(text);
  if (!match) return null;
  const port = Number(match[2]);
  return validPort(port) ? { host: match[1]!, port } : null;
}

function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

function nodeLines(text: string, what: string): HostPort[] {
  return lines(text).map((line, index) => {
    const node = parseHostPort(line);
    if (!node) throw new DraftProblem(`${what}, line ${index + 1}: “${line}” is not host:port (port 1–65535).`);
    return node;
  });
}

function natMapLines(text: string): Array<{ from: HostPort; to: HostPort }> {
  return lines(text).map((line, index) => {
    const [announced, reachable, extra] = line.split('=>').map((part) => parseHostPort(part.trim()));
    if (!announced || !reachable || extra !== undefined) {
      throw new DraftProblem(`NAT map, line ${index + 1}: “${line}” is not “announced-host:port => reachable-host:port”.`);
    }
    return { from: announced, to: reachable };
  });
}

/** Where a saved connection points, without credentials (as the server describes the active one). */
export function describeAddress(settings: ConnectionSettings): string {
  if (settings.kind === 'sentinel' && settings.sentinel) return `sentinel ${settings.sentinel.masterName} via ${settings.sentinel.nodes.map(formatHostPort).join(', ')}`;
  if (settings.kind === 'cluster' && settings.cluster) return `cluster via ${settings.cluster.seeds.map(formatHostPort).join(', ')}`;
  return `${settings.tls.enabled ? 'rediss' : 'redis'}://${formatHostPort(settings)}${settings.db === 0 ? '' : `/${settings.db}`}`;
}

/** The key and channel names a schema mapping gives, as the dashboards will read them. */
export function exampleKeys(schema: SchemaMapping): Array<{ what: string; name: string }> {
  const prefix = schema.keyPrefix;
  return [
    { what: 'Events (sorted set)', name: `${prefix}${schema.sensorData}` },
    { what: 'Climate counter', name: `${prefix}${schema.climatePrefix}hot` },
    { what: 'Thermostat hash', name: `${prefix}${schema.devicePrefix}<deviceId>` },
    { what: 'Warnings channel', name: `${prefix}${schema.warningsChannel}` },
    { what: 'Energy bucket (list)', name: `${schema.namespace}:energy:<deviceId>:<bucket>` },
  ];
}
