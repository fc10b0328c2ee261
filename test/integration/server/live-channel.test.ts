import type { IncomingMessage } from 'node:http';
import type { MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiveFrame, LiveTopic } from '../../../core/api/live.js';
import { connectPublisher, publishAll } from '../../helpers/mqtt-publisher.js';
import { startTestStack, type TestStack } from '../../helpers/test-stack.js';
import { devicePayload } from '../../helpers/thermostat-payloads.js';
import { waitUntil } from '../../helpers/wait-until.js';

const TOPIC = 'temp_readings';
const ALL_TOPICS: LiveTopic[] = ['status', 'events', 'climate', 'warnings'];

type ServerMessage = LiveFrame | { error: string };
const isFrame = (message: ServerMessage): message is LiveFrame => 'at' in message;

/** A client of /api/live that keeps every message with when it arrived. */
class LiveSocket {
  readonly received: Array<{ arrivedAt: number; message: ServerMessage }> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.received.push({ arrivedAt: Date.now(), message: JSON.parse(String(data)) as ServerMessage }));
  }

  static open(url: string): Promise<LiveSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const live = new LiveSocket(socket);
      socket.once('open', () => resolve(live));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  frames(since = 0): LiveFrame[] {
    return this.received.slice(since).map((entry) => entry.message).filter(isFrame);
  }

  /** Resolves with the first message from index `since` on that satisfies `predicate`. */
  next<T extends ServerMessage>(what: string, predicate: (message: ServerMessage) => message is T, since = 0, timeoutMs = 5000): Promise<T> {
    return waitUntil(what, () => this.received.slice(since).map((entry) => entry.message).find(predicate), { timeoutMs, intervalMs: 10 }) as Promise<T>;
  }

  /** Subscribes and resolves once a frame shows the new topics took effect; returns the index after that frame. */
  async subscribe(topics: LiveTopic[]): Promise<number> {
    const since = this.received.length;
    this.send({ subscribe: topics });
    // A frame already on its way may still carry the old topics; the first one carrying only these is the switch.
    await this.next(`a frame with exactly ${topics.join(', ')}`, (m): m is LiveFrame => isFrame(m) && sameKeys(m, topics), since);
    return this.received.findIndex((entry, index) => index >= since && isFrame(entry.message) && sameKeys(entry.message, topics)) + 1;
  }

  close(): void {
    this.socket.close();
  }
}

/** A frame's topics (status/events/climate/warnings) equal `topics`; `warningsDropped` accompanies warnings. */
function sameKeys(frame: LiveFrame, topics: LiveTopic[]): boolean {
  const keys = Object.keys(frame).filter((key) => key !== 'at' && key !== 'warningsDropped');
  return keys.sort().join() === [...topics].sort().join();
}

interface RefusedUpgrade {
  status: number;
  body: string;
  /** Whether the server closed the TCP connection within `graceMs` of refusing. */
  serverClosed: boolean;
}

/**
 * Attempts the upgrade and reports how the server refused it (rejects if the socket opens). If the
 * server leaves the connection open, it is reset from this side: a half-closed socket would
 * otherwise keep the HTTP server, and so Stack.stop() in afterAll, waiting forever.
 */
function refusedUpgrade(url: string, graceMs = 0): Promise<RefusedUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      const connection = response.socket;
      let body = '';
      let serverClosed = false;
      connection.once('end', () => (serverClosed = true));
      connection.once('close', () => (serverClosed = true));
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        void waitUntil('the server to close the refused connection', () => serverClosed, { timeoutMs: graceMs })
          .catch(() => undefined)
          .then(() => {
            if (!serverClosed) connection.resetAndDestroy();
            resolve({ status: response.statusCode!, body, serverClosed });
          });
      });
    });
    socket.once('open', () => {
      socket.terminate();
      reject(new Error(`the upgrade of ${url} was accepted`));
    });
    socket.once('error', reject);
  });
}

let env: TestStack;
let publisher: MqttClient;
let liveUrl: string;
const opened: LiveSocket[] = [];

async function openLive(): Promise<LiveSocket> {
  const live = await LiveSocket.open(liveUrl);
  opened.push(live);
  return live;
}

beforeAll(async () => {
  env = await startTestStack();
  publisher = await connectPublisher(env.mqttUrl);
  liveUrl = `${env.origin.replace(/^http/, 'ws')}/api/live?token=${encodeURIComponent(env.token)}`;
});

afterEach(() => {
  for (const live of opened.splice(0)) live.close();
});

afterAll(async () => {
  await publisher?.endAsync(true);
  await env?.stop();
});

describe('WebSocket /api/live', () => {
  it('refuses the upgrade with 401 without the token or with a wrong one', async () => {
    const base = `${env.origin.replace(/^http/, 'ws')}/api/live`;
    for (const url of [base, `${base}?token=wrong`, `${base}?token=${env.token.slice(1)}x`]) {
      const refused = await refusedUpgrade(url);
      expect(refused.status, url).toBe(401);
      expect(refused.body).toMatch(/token/);
    }
  });

  it('cannot be opened without the token by percent-encoding the path (/%61pi/live)', async () => {
    const refused = await refusedUpgrade(`${env.origin.replace(/^http/, 'ws')}/%61pi/live`);
    expect([401, 404]).toContain(refused.status);
  });

  // A refused upgrade left half-open on the server would keep Stack.stop() (app.close()) waiting forever.
  it('closes the connection after refusing the upgrade', async () => {
    const refused = await refusedUpgrade(`${env.origin.replace(/^http/, 'ws')}/api/live?token=stale`, 1000);
    expect(refused.status).toBe(401);
    expect(refused.serverClosed, 'the server closed the refused connection').toBe(true);
  });

  it('sends at most ~4 frames a second, each batching many readings, while readings arrive at a few hundred per second', async () => {
    const live = await openLive();
    const start = await live.subscribe(ALL_TOPICS);

    // About 300 readings/s for 2.5 s, a fifth of them hot, from a real MQTT client at QoS 1.
    const acks: Array<Promise<void>> = [];
    let sent = 0;
    const load = setInterval(() => {
      const batch = Array.from({ length: 15 }, (_, i) => devicePayload({ deviceId: `load-${(sent + i) % 500}`, temperature: (sent + i) % 5 === 0 ? 95 : 70 }));
      sent += batch.length;
      acks.push(publishAll(publisher, TOPIC, batch));
    }, 50);
    const windowStart = Date.now() + 300;
    await new Promise((resolve) => setTimeout(resolve, 2600));
    clearInterval(load);
    await Promise.all(acks);
    const windowEnd = windowStart + 2000;

    const inWindow = live.received.slice(start).filter((entry) => entry.arrivedAt >= windowStart && entry.arrivedAt < windowEnd);
    const frames = inWindow.map((entry) => entry.message).filter(isFrame);
    expect(frames.length, `frames in 2 s while ${sent} readings were published`).toBeLessThanOrEqual(10);
    expect(frames.length).toBeGreaterThanOrEqual(4);
    expect(sent).toBeGreaterThanOrEqual(400);
    // The server paces the frames: their clocks are a tick (250 ms) apart, never bunched.
    const all = live.frames(start);
    for (let i = 1; i < all.length; i++) expect(all[i]!.at - all[i - 1]!.at, `gap before frame ${i}`).toBeGreaterThanOrEqual(200);

    for (const frame of frames) expect(sameKeys(frame, ALL_TOPICS), Object.keys(frame).join()).toBe(true);
    // Many readings per frame, not one message per reading.
    const climateTotal = (frame: LiveFrame) => Object.values(frame.climate!.counters).reduce((sum, n) => sum + n, 0);
    expect(climateTotal(frames.at(-1)!) - climateTotal(frames[0]!)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...frames.map((frame) => frame.warnings!.length)), 'warnings batched into a frame').toBeGreaterThan(1);
    expect(frames.at(-1)!.status!.figures.ingest.received).toBeGreaterThan(frames[0]!.status!.figures.ingest.received);
    expect(frames.at(-1)!.events!.events).toHaveLength(24);
  });

  it('sends only the subscribed topics', async () => {
    const live = await openLive();
    const start = await live.subscribe(['climate']);
    // A hot reading: there are warnings this socket did not ask for.
    await publishAll(publisher, TOPIC, [devicePayload({ deviceId: 'only-climate', temperature: 99 })]);
    await waitUntil('four more frames', () => live.frames(start).length >= 4);
    for (const frame of live.frames(start)) {
      expect(frame.climate?.counters).toBeDefined();
      expect(Object.keys(frame).sort()).toEqual(['at', 'climate']);
    }
  });

  it('delivers a hot reading published by an MQTT client in a frame’s warnings, and not a warm one', async () => {
    const live = await openLive();
    const start = await live.subscribe(['warnings']);
    const timestamp = Date.now() - 1000;
    await publishAll(publisher, TOPIC, [
      devicePayload({ deviceId: 'warm-live', temperature: 80, timestamp }),
      devicePayload({ deviceId: 'hot-live', temperature: 95, timestamp }),
    ]);
    const frame = await live.next(
      'a frame warning about hot-live',
      (m): m is LiveFrame => isFrame(m) && (m.warnings ?? []).some((warning) => warning.deviceId === 'hot-live'),
      start,
    );
    const warning = frame.warnings!.find((w) => w.deviceId === 'hot-live')!;
    expect(warning).toMatchObject({ deviceId: 'hot-live', temperature: 95, timestamp });
    expect(warning.requestId).toMatch(/\S/);
    expect(warning.receivedAt).toBeGreaterThanOrEqual(timestamp);
    expect(Object.keys(frame).filter((key) => key !== 'warningsDropped').sort()).toEqual(['at', 'warnings']);
    const warnedAbout = live.frames(start).flatMap((f) => f.warnings ?? []).map((w) => w.deviceId);
    expect(warnedAbout).not.toContain('warm-live');
    expect(warnedAbout.filter((id) => id === 'hot-live')).toHaveLength(1);
  });

  it('answers an invalid subscribe message with an error and keeps the socket open and its subscription', async () => {
    const live = await openLive();
    await live.subscribe(['climate']);
    const isError = (m: ServerMessage): m is { error: string } => 'error' in m;

    for (const [message, expected] of [
      ['not json', /JSON/],
      [{ subscribe: ['bogus'] }, /bad subscription/],
      [{ subscribe: 'climate' }, /bad subscription/],
      [{ topics: ['climate'] }, /bad subscription/],
    ] as const) {
      const since = live.received.length;
      live.send(message);
      const error = await live.next(`an error for ${JSON.stringify(message)}`, isError, since);
      expect(error.error).toMatch(expected);
      expect(live.socket.readyState).toBe(WebSocket.OPEN);
    }

    const since = live.received.length;
    await waitUntil('two more frames after the errors', () => live.frames(since).length >= 2);
    expect(live.socket.readyState).toBe(WebSocket.OPEN);
    for (const frame of live.frames(since)) expect(Object.keys(frame).sort()).toEqual(['at', 'climate']);
  });
});
