import { dbSize } from '../query/key-browser.js';
import type { CommandTable } from '../redis/command-table.js';
import { openTarget, type RedisClient, type RedisTarget } from '../redis/redis-target.js';
import type { ConnectionCheck, ConnectionCheckStep } from '../api/connections.js';
import type { ConnectionSettings } from '../domain/connection.js';
import { describeAddress, type StoredSecrets } from '../domain/connection.js';

type Step = ConnectionCheck['steps'][number];

/**
 * Connects the way the pages would and reports each step with what it found, or with what to fix:
 * a user testing a new connection wants to know which of address, TLS, credentials or ACL is wrong.
 */
export async function checkConnection(
  settings: ConnectionSettings,
  secrets: StoredSecrets,
  loadCommands: (client: RedisClient) => Promise<CommandTable>,
): Promise<ConnectionCheck> {
  const started = performance.now();
  const steps: Step[] = [];
  const finish = (): ConnectionCheck => ({ ok: steps.every((step) => step.ok), steps, elapsedMs: Math.round(performance.now() - started) });
  let target: RedisTarget;
  try {
    target = await openTarget(settings, secrets, { connectionName: 'sensor-workbench:test' });
  } catch (error) {
    steps.push(...connectFailure(settings, error as Error));
    return finish();
  }
  try {
    steps.push(ok('connect', `${describeAddress(settings)}${settings.tls.enabled ? ', TLS' : ''}: PING answered`));
    steps.push(ok('authenticate', secrets.password === undefined && settings.username === undefined ? 'no credentials needed' : `as ${settings.username ?? 'default'}`));
    steps.push(await describeServer(target.client, settings));
    steps.push(await describeCommands(target.client, settings, loadCommands));
    steps.push(await describeKeyspace(target));
    return finish();
  } finally {
    await target.close();
  }
}

function ok(step: ConnectionCheckStep, detail: string): Step {
  return { step, ok: true, detail };
}

function failed(step: ConnectionCheckStep, detail: string): Step {
  return { step, ok: false, detail };
}

function connectFailure(settings: ConnectionSettings, error: Error): Step[] {
  const message = error.message;
  if (/WRONGPASS|NOAUTH|invalid username-password|AUTH/i.test(message)) {
    return [ok('connect', `${describeAddress(settings)} answered`), failed('authenticate', `${message}: check the user name and password`)];
  }
  const hint = /certificate|self[- ]signed|TLS|SSL|alert/i.test(message)
    ? 'check the CA certificate, the client certificate and key, and the server name (SNI)'
    : /ECONNRESET|socket hang up|closed/i.test(message) && !settings.tls.enabled
      ? 'the server may require TLS: try rediss:// or switch TLS on'
      : 'check the host, port and that the server is running';
  return [failed('connect', `${message}: ${hint}`)];
}

async function describeServer(client: RedisClient, settings: ConnectionSettings): Promise<Step> {
  try {
    const info = String(await client.call('INFO', 'server'));
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    return ok('server', `Redis ${field('redis_version') ?? '?'} (${field('redis_mode') ?? settings.kind})`);
  } catch (error) {
    // A user limited by ACL may not run INFO; that is worth knowing, not a failed connection.
    return ok('server', `INFO refused (${(error as Error).message.split('\n')[0]}); the version is unknown`);
  }
}

async function describeCommands(client: RedisClient, settings: ConnectionSettings, loadCommands: (client: RedisClient) => Promise<CommandTable>): Promise<Step> {
  try {
    const table = await loadCommands(client);
    const mode = settings.readOnly ? 'read-only: only commands COMMAND INFO flags as reads are sent' : 'writable';
    return ok('commands', `${table.size} commands, flags from ${table.source}; ${mode}`);
  } catch (error) {
    return failed('commands', `cannot read the command table: ${(error as Error).message}`);
  }
}

async function describeKeyspace(target: RedisTarget): Promise<Step> {
  try {
    const masters = target.masters();
    const keys = await dbSize(target);
    return ok('keyspace', `${keys.toLocaleString('en-US')} keys${masters.length > 1 ? ` on ${masters.length} masters` : ''}`);
  } catch (error) {
    return failed('keyspace', `DBSIZE failed: ${(error as Error).message}; the key browser will not work with this user`);
  }
}
