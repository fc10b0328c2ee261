import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UnwrittenReadings } from '../ingest/write-buffer.js';
import type { Log } from './stack-parts.js';

export interface StopReport {
  /** Readings Redis did not take before the flush deadline, saved to these files (none when all were written). */
  unwrittenFiles: string[];
  unwritten: number;
}

/**
 * Readings Redis did not take before the flush deadline go to <dataDir>/unwritten/*.ndjson, one
 * file per kind, so a shutdown with Redis away loses nothing silently.
 */
export async function saveUnwritten(dataDir: string, unwritten: UnwrittenReadings, log: Log): Promise<StopReport> {
  const save = (kind: string, lines: string[]) => saveLines(join(dataDir, 'unwritten'), kind, lines, log);
  const files = [
    await save('thermostats', unwritten.thermostats.map(({ receivedAt: _receivedAt, ...reading }) => JSON.stringify(reading))),
    await save('meters', unwritten.meters.map(({ deviceId, json, replay }) => `{"deviceId":${JSON.stringify(deviceId)},"reading":${json}${replay ? ',"replay":true' : ''}}`)),
    await save('topic-hashes', unwritten.topicHashes.map(({ topic, fields, replay }) => JSON.stringify({ topic, fields, ...(replay && { replay }) }))),
  ].filter((file) => file !== null);
  return { unwrittenFiles: files, unwritten: unwritten.thermostats.length + unwritten.meters.length + unwritten.topicHashes.length };
}

async function saveLines(dir: string, kind: string, lines: string[], log: Log): Promise<string | null> {
  if (lines.length === 0) return null;
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${kind}-${new Date().toISOString().replaceAll(':', '-')}.ndjson`);
  await writeFile(file, lines.join('\n') + '\n');
  log(`Redis did not take ${lines.length} ${kind} readings before shutdown; they are saved in ${file}`);
  return file;
}
