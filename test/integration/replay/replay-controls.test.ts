import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../core/api/api-client.js';
import type { ReplayStatus } from '../../../core/api/replay.js';
import { REPLAY_PREFIXED_CLIENT_ID } from '../../../core/domain/replay.js';
import { FileSource } from '../../../core/replay/file-source.js';
import { recordedLine } from '../../../core/replay/replay-line.js';
import { mqttReplayPublisher } from '../../../core/replay/replay-publisher.js';
import { ReplayRun } from '../../../core/replay/replay-run.js';
import { connectPublisher } from '../../helpers/mqtt-publisher.js';
import { climateCounters, redisClient } from '../../helpers/redis-client.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';
import { waitUntil } from '../../helpers/wait-until.js';

/** Bad lines, pause, resume, seek, loop, a speed change, and the mqtt.js publisher, on the real stack. */

const MAX_PAYLOAD = 2048;
const MAX_LINE = 4096;
const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);

let env: TestStack;
let client: ApiClient;
let redis: Redis;
let subscriber: MqttClient;
let dir: TempDir;
/** Sequence numbers of the temp_readings messages the broker delivered, in delivery order. */
let delivered: number[] = [];

beforeAll(async () => {
  env = await startTestStack({ config: { mqtt: { maxPayloadBytes: MAX_PAYLOAD }, replay: { maxLineBytes: MAX_LINE } } });
  client = new ApiClient({ origin: env.origin, token: env.token });
  redis = redisClient(env.redisUrl);
  subscriber = await connectPublisher(env.mqttUrl, 'replay-watcher');
  await subscriber.subscribeAsync('temp_readings', { qos: 0 });
  subscriber.on('message', (_topic, payload) => {
    const seq = (JSON.parse(payload.toString()) as { seq?: number }).seq;
    if (seq !== undefined) delivered.push(seq);
  });
  dir = await makeTempDir('sw-replay-');
});

afterAll(async () => {
  await subscriber?.endAsync();
  redis?.disconnect();
  await env?.stop();
  await dir?.remove();
});

const reading = (deviceId: number, extra: Record<string, unknown> = {}) => JSON.stringify({ deviceId, temperature: 50, humidity: 40, deviceIP: '10.0.0.1', ...extra });
const line = (time: number, topic: string, payload: string) => recordedLine(time, topic, 1, false, 'device', payload);

async function ended(): Promise<ReplayStatus> {
  return waitUntil('the replay to end', async () => {
    const status = await client.replay();
    return ['finished', 'stopped', 'failed'].includes(status.state) ? status : null;
  }, { timeoutMs: 30_000, intervalMs: 50 });
}

/** 400 readings 100 ms apart (a 39.9 s span), each carrying its sequence number. */
const timeline = Array.from({ length: 400 }, (_, seq) => line(T0 + seq * 100, 'temp_readings', reading((seq % 10) + 1, { seq }))).join('');

describe('a replay file that is not what it claims', () => {
  it('skips, counts and lists each bad line with its number, and replays the rest', async () => {
    const rows = [
      line(T0, 'temp_readings', reading(1)),
      '{"time": 1, "topic": ',
      line(T0 + 10, 'temp_readings', reading(2)),
      line(T0 + 20, 'nowhere/in/particular', reading(3)),
      line(T0 + 30, 'temp_readings', 'x'.repeat(MAX_PAYLOAD + 1)),
      line(T0 + 40, 'temp_readings', 'y'.repeat(MAX_LINE)),
      '[1, 2, 3]\n',
      '{"hello": "world"}\n',
      `${JSON.stringify({ deviceId: '7', score: T0 + 50, temperature: '99', humidity: '12', climate: 'hot', deviceIP: '10.9.9.9', timestamp: String(T0 + 50), requestId: 'r' })}\n`,
      line(T0 + 60, 'temp_readings', reading(4)),
    ].map((row) => (row.endsWith('\n') ? row : `${row}\n`));
    const imported = await client.importRecording('bad-lines', rows.join(''));
    expect(imported).toMatchObject({ name: 'bad-lines', origin: 'import', messages: 4, firstAt: T0, lastAt: T0 + 60 });

    await client.startReplay({ source: { kind: 'file', name: 'bad-lines' }, speed: 10_000 });
    const status = await ended();
    expect(status).toMatchObject({ state: 'finished', published: 4, acknowledged: 4, total: 4 });
    expect(status.skipped.total).toBe(6);
    expect(status.skipped.byReason).toEqual({ 'bad-json': 2, 'not-a-message': 1, 'unknown-topic': 1, oversize: 2 });
    expect(status.skipped.lines.map(({ line: number, reason }) => [number, reason])).toEqual([
      [2, 'bad-json'],
      [4, 'unknown-topic'],
      [5, 'oversize'],
      [6, 'oversize'],
      [7, 'bad-json'],
      [8, 'not-a-message'],
    ]);
    expect(status.skipped.lines[1]!.detail).toContain('nowhere/in/particular');
    await waitUntil('the four readings under the replay prefix', async () => (await climateCounters(redis, 'replay:')).total === 4);
    // The export row replays as the device's reading: a hot 99 from device 7.
    expect(await redis.hget('replay:7', 'temperature')).toBe('99');
    expect(await redis.exists('7')).toBe(0);
    await client.clearReplayKeys();
  });

  it('refuses what it cannot replay, naming the field', async () => {
    await expect(client.startReplay({ source: { kind: 'file', name: 'no-such-file' } })).rejects.toMatchObject({ status: 404 });
    await expect(client.startReplay({ source: { kind: 'file', name: '../etc/passwd' } })).rejects.toMatchObject({ status: 400, field: 'source.name' });
    await expect(client.startReplay({ source: { kind: 'file', name: 'bad-lines' }, speed: 20_000 })).rejects.toMatchObject({ status: 400, field: 'speed' });
    await expect(client.startReplay({ source: { kind: 'archive', deviceId: 'D1', from: 0, to: 10 } })).rejects.toMatchObject({ status: 409 });
    await expect(client.controlReplay({ action: 'pause' })).rejects.toMatchObject({ status: 409 });
  });
});

describe('pause, resume, seek and loop', () => {
  beforeAll(async () => {
    await client.importRecording('timeline', timeline);
  });

  it('pauses (nothing more is published, the emulated time stands), seeks while paused, resumes from there', async () => {
    delivered = [];
    await client.startReplay({ source: { kind: 'file', name: 'timeline' }, speed: 4 });
    await waitUntil('some published', async () => (await client.replay()).published >= 40);
    const paused = await client.controlReplay({ action: 'pause' });
    expect(paused.state).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const still = await client.replay();
    expect(still).toMatchObject({ state: 'paused', published: paused.published, emulatedTime: paused.emulatedTime });
    expect(still.emulatedTime!).toBeGreaterThanOrEqual(T0 + (paused.published - 1) * 100);
    expect(still.progress).toBeCloseTo((still.emulatedTime! - T0) / 39_900, 5);

    const seeked = await client.controlReplay({ action: 'seek', fraction: 0.75 });
    expect(seeked).toMatchObject({ state: 'paused', published: paused.published, emulatedTime: T0 + 0.75 * 39_900 });
    await client.controlReplay({ action: 'configure', speed: 50 });
    await client.controlReplay({ action: 'resume' });
    const status = await ended();
    expect(status).toMatchObject({ state: 'finished', published: paused.published + 100, progress: 1, emulatedTime: T0 + 39_900, speed: 50 });
    await waitUntil('every message delivered', () => delivered.length === status.published);
    expect(delivered).toEqual([...Array.from({ length: paused.published }, (_, seq) => seq), ...Array.from({ length: 100 }, (_, index) => 300 + index)]);
  });

  it('seeks back to a time while playing, and plays on from the first message at or after it', async () => {
    delivered = [];
    await client.startReplay({ source: { kind: 'file', name: 'timeline' }, speed: 10 });
    await waitUntil('some published', async () => (await client.replay()).published >= 100);
    const seeked = await client.controlReplay({ action: 'seek', time: T0 + 5_050 });
    expect(seeked.emulatedTime).toBe(T0 + 5_050);
    await client.controlReplay({ action: 'configure', speed: 10_000 });
    const status = await ended();
    expect(status.state).toBe('finished');
    await waitUntil('every message delivered', () => delivered.length === status.published);
    const jump = delivered.findIndex((seq, index) => index > 0 && seq < delivered[index - 1]!);
    expect(jump).toBeGreaterThan(0);
    expect(delivered.slice(jump)).toEqual(Array.from({ length: 349 }, (_, index) => 51 + index));
  });

  it('loops until stopped, counting the loops', async () => {
    await client.startReplay({ source: { kind: 'file', name: 'timeline' }, speed: 10_000, loop: true });
    await waitUntil('two loops', async () => (await client.replay()).loops >= 2, { timeoutMs: 20_000 });
    const stopped = await client.controlReplay({ action: 'stop' });
    expect(stopped.state).toBe('stopped');
    expect(stopped.published).toBeGreaterThanOrEqual(800);
    expect(stopped.acknowledged).toBe(stopped.published);
    await expect(client.deleteRecording('timeline')).resolves.toBeUndefined();
  });
});

describe('the publisher seam', () => {
  it('replays through a real mqtt.js client as well: its client id alone sends it under the replay prefix', async () => {
    await client.clearReplayKeys();
    const path = join(dir.path, 'timeline.ndjson');
    await writeFile(path, timeline);
    const source = await FileSource.open({ path, maxLineBytes: MAX_LINE, checks: { maxPayloadBytes: MAX_PAYLOAD, unknownTopic: () => null } });
    const publisher = await mqttReplayPublisher({ url: env.mqttUrl, clientId: `${REPLAY_PREFIXED_CLIENT_ID}seam` });
    expect(publisher.target).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+ \(mqtt\.js\)$/);
    const run = new ReplayRun({ source, publisher, speed: 10_000, loop: false });
    await run.whenEnded();
    expect(run.figures()).toMatchObject({ state: 'finished', published: 400, acknowledged: 400 });
    // QoS 1 through the network: acknowledged once written.
    expect((await climateCounters(redis, 'replay:')).total).toBe(400);
    expect(await redis.zcard('SensorData')).toBe(0);
  });
});
