import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordingState } from '../../../core/api/replay.js';
import type { DeliveredMessage, DeliveryListener } from '../../../core/broker/broker.js';
import { Recording, type RecorderOptions } from '../../../core/replay/recorder.js';
import { parseReplayLine } from '../../../core/replay/replay-line.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

/** The broker's delivery event, by hand. */
class FakeTap {
  listeners: DeliveryListener[] = [];
  onDelivery(listener: DeliveryListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((other) => other !== listener);
    };
  }
  deliver(topic: string, payload: Buffer | string, clientId: string | null = 'device-1', qos: 0 | 1 | 2 = 1, retain = false): void {
    const message: DeliveredMessage = { topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain };
    for (const listener of this.listeners) listener(message, clientId);
  }
}

let dir: TempDir;
let tap: FakeTap;
let stopped: RecordingState[];

beforeEach(async () => {
  dir = await makeTempDir('sw-recorder-');
  tap = new FakeTap();
  stopped = [];
});
afterEach(() => dir.remove());

function options(overrides: Partial<RecorderOptions> = {}): RecorderOptions {
  return { maxBytes: 10_000_000, bufferBytes: 16 * 1024 * 1024, log: () => undefined, onStopped: (state) => stopped.push(state), ...overrides };
}

async function lines(name: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(dir.path, `${name}.ndjson`), 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('a recording', () => {
  it('writes one line per delivered message on its filter: time, topic, QoS, retain, client id, the payload as text or base64', async () => {
    let clock = 1_762_000_000_000;
    const recording = await Recording.start({ name: 'r', path: join(dir.path, 'r.ndjson'), filter: 'meters/#' }, tap, options({ now: () => clock++ }));
    tap.deliver('meters/D1/energy', '[{"timestamp":1}]');
    tap.deliver('temp_readings', '{"deviceId":1}');
    tap.deliver('meters/D2/energy', Buffer.from([0xff, 0x00, 0xfe]), null, 0, true);
    tap.deliver('$SYS/broker/heartbeat', 'x');
    const state = await recording.stop();
    expect(state).toMatchObject({ messages: 2, stopReason: 'stopped', dropped: 0, firstAt: 1_762_000_000_001 });
    expect(tap.listeners).toHaveLength(0);
    expect(await lines('r')).toEqual([
      { time: 1_762_000_000_001, topic: 'meters/D1/energy', qos: 1, retain: false, clientId: 'device-1', encoding: 'utf8', payload: '[{"timestamp":1}]' },
      { time: 1_762_000_000_002, topic: 'meters/D2/energy', qos: 0, retain: true, clientId: null, encoding: 'base64', payload: '/wD+' },
    ]);
    expect(state.bytes).toBe((await stat(join(dir.path, 'r.ndjson'))).size);
    expect(stopped).toEqual([state]);
  });

  it('reads back what it wrote, byte for byte, through the replay\'s line parser', async () => {
    const recording = await Recording.start({ name: 'r', path: join(dir.path, 'r.ndjson'), filter: '#' }, tap, options());
    const payloads = [Buffer.from('{"a":"ünïcödé \\n, \\"quotes\\""}'), Buffer.from([0, 1, 2, 0xc3]), Buffer.alloc(0)];
    for (const payload of payloads) tap.deliver('a/b', payload);
    await recording.stop();
    const text = await readFile(join(dir.path, 'r.ndjson'), 'utf8');
    const parsed = text.trimEnd().split('\n').map((line) => parseReplayLine(line, { maxPayloadBytes: 1000, unknownTopic: () => null }));
    expect(parsed.map((line) => (line.ok ? line.message.payload : null))).toEqual(payloads);
  });

  it('stops at its size cap, one line short of it, and says so', async () => {
    const log: string[] = [];
    const recording = await Recording.start({ name: 'capped', path: join(dir.path, 'capped.ndjson'), filter: '#' }, tap, options({ maxBytes: 2000, log: (line) => log.push(line) }));
    for (let index = 0; index < 100; index += 1) tap.deliver('t', 'x'.repeat(100));
    await recording.whenStopped();
    const [state] = stopped;
    expect(state).toMatchObject({ stopReason: 'size-cap', maxBytes: 2000 });
    const size = (await stat(join(dir.path, 'capped.ndjson'))).size;
    expect(size).toBe(state!.bytes);
    expect(size).toBeLessThanOrEqual(2000);
    expect(size + state!.bytes / state!.messages).toBeGreaterThan(2000);
    expect(await lines('capped')).toHaveLength(state!.messages);
    expect(log.join('\n')).toMatch(/STOPPED at its size cap/);
    expect(recording.active).toBe(false);
  });

  it('drops (and counts) what would overfill its buffer while the disk is behind, and never blocks the broker', async () => {
    const recording = await Recording.start({ name: 'slow', path: join(dir.path, 'slow.ndjson'), filter: '#' }, tap, options({ bufferBytes: 200_000 }));
    // 5,000 messages of ~1 KiB in one turn of the event loop: the stream cannot take them that fast.
    for (let index = 0; index < 5000; index += 1) tap.deliver('t', 'y'.repeat(1000));
    const during = recording.state();
    expect(during.dropped).toBeGreaterThan(0);
    expect(during.messages + during.dropped).toBe(5000);
    const state = await recording.stop();
    expect(await lines('slow')).toHaveLength(state.messages);
  });

  it('never overwrites a file', async () => {
    const path = join(dir.path, 'taken.ndjson');
    const first = await Recording.start({ name: 'taken', path, filter: '#' }, tap, options());
    await first.stop();
    await expect(Recording.start({ name: 'taken', path, filter: '#' }, tap, options())).rejects.toMatchObject({ code: 'EEXIST' });
  });
});
