import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OutsideBroker } from '../broker/outside-broker.js';
import type { Config } from '../config/schema.js';
import type { Log } from './stack-parts.js';

/** <dataDir>/mqtt-client-id: the worker's client id at the outside broker, made on its first start. */
export const CLIENT_ID_FILE = 'mqtt-client-id';

/**
 * --mqtt-client-id, or the one kept in the data dir: made once from the host name and a random
 * part, so that a worker restarted on its data dir takes its session back, and two workers never
 * share one (even on machines whose data dirs have the same path; two processes on one data dir
 * are refused by its lock).
 */
export async function mqttClientId(config: Config): Promise<string> {
  if (config.mqttSource.clientId !== undefined) return config.mqttSource.clientId;
  const file = join(config.dataDir, CLIENT_ID_FILE);
  const kept = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (kept !== '') return kept;
  const host = hostname().replace(/[^A-Za-z0-9-]/g, '').slice(0, 24) || 'host';
  const made = `sensor-workbench-${host}-${randomBytes(4).toString('hex')}`;
  await writeFile(file, `${made}\n`);
  return made;
}

/** The outside broker of --mqtt-source, not yet connected: ingest subscribes first, then start() connects. */
export async function outsideBroker(config: Config, log: Log): Promise<OutsideBroker> {
  const { url, shareGroup, sessionExpirySeconds, receiveMaximum, keepaliveSeconds, tls } = config.mqttSource;
  const read = (file: string | undefined) => (file === undefined ? undefined : readFile(file, 'utf8'));
  const [ca, cert, key] = await Promise.all([read(tls.caFile), read(tls.certFile), read(tls.keyFile)]);
  return new OutsideBroker({
    url: url!,
    clientId: await mqttClientId(config),
    shareGroup,
    sessionExpirySeconds,
    receiveMaximum,
    keepaliveSeconds,
    tls: { ...(ca !== undefined && { ca }), ...(cert !== undefined && { cert }), ...(key !== undefined && { key }) },
    log,
  });
}
