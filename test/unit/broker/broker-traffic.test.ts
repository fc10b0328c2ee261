import { describe, expect, it } from 'vitest';
import { BrokerTraffic, HISTORY_SECONDS, PREVIEW_BYTES, previewPayload } from '../../../core/broker/broker-traffic.js';

/** A clock the test moves by hand, starting on a whole second. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('BrokerTraffic', () => {
  it('counts messages per client and keeps the last payload of each topic by reference', () => {
    const clock = manualClock();
    const traffic = new BrokerTraffic({ now: clock.now });
    const device = {};
    const first = Buffer.from('{"t":1}');
    const last = Buffer.from('{"t":2}');
    traffic.record('meters/D1/energy', first, device);
    clock.advance(250);
    traffic.record('meters/D1/energy', last, device);
    traffic.record('temp_readings', Buffer.from('x'), null);

    expect(traffic.client(device)).toEqual({ messagesIn: 2, lastMessageAt: clock.now() });
    expect(traffic.client({})).toEqual({ messagesIn: 0, lastMessageAt: null });
    const page = traffic.topics('', 100);
    expect(page.topics.map(({ topic, messages, lastAt }) => ({ topic, messages, lastAt }))).toEqual([
      { topic: 'meters/D1/energy', messages: 2, lastAt: clock.now() },
      { topic: 'temp_readings', messages: 1, lastAt: clock.now() },
    ]);
    expect(page.topics[0]!.lastPayload).toEqual({ encoding: 'utf8', text: '{"t":2}', size: 7, truncated: false });
  });

  it('leaves $SYS/ topics out', () => {
    const traffic = new BrokerTraffic();
    traffic.record('$SYS/abc/heartbeat', Buffer.from('abc'), null);
    expect(traffic.topics('', 10)).toMatchObject({ topics: [], tracked: 0, untrackedMessages: 0 });
  });

  it('gives a per-second history of complete seconds and the rate over the last ten of them', () => {
    const clock = manualClock();
    const traffic = new BrokerTraffic({ now: clock.now });
    for (let second = 0; second < 12; second += 1) {
      for (let message = 0; message < 5; message += 1) traffic.record('a/b', Buffer.from('1'), null);
      clock.advance(1000);
    }
    const [topic] = traffic.topics('', 1).topics;
    expect(topic!.recent).toHaveLength(HISTORY_SECONDS);
    expect(topic!.recent.slice(-12)).toEqual(Array(12).fill(5));
    expect(topic!.recent.slice(0, -12)).toEqual(Array(HISTORY_SECONDS - 12).fill(0));
    expect(topic!.ratePerSecond).toBe(5);
    // The current second is not complete yet: it does not count.
    traffic.record('a/b', Buffer.from('1'), null);
    expect(traffic.topics('', 1).topics[0]!.ratePerSecond).toBe(5);
  });

  it('averages a new topic over the seconds since it appeared, and lets a quiet topic\'s rate fall to zero', () => {
    const clock = manualClock();
    const traffic = new BrokerTraffic({ now: clock.now });
    for (let message = 0; message < 8; message += 1) traffic.record('new', Buffer.from('1'), null);
    expect(traffic.topics('', 1).topics[0]!.ratePerSecond).toBe(0);
    clock.advance(2000);
    expect(traffic.topics('', 1).topics[0]!.ratePerSecond).toBe(4);
    clock.advance(HISTORY_SECONDS * 1000);
    const [quiet] = traffic.topics('', 1).topics;
    expect(quiet!.ratePerSecond).toBe(0);
    expect(quiet!.recent).toEqual(Array(HISTORY_SECONDS).fill(0));
    expect(quiet!.messages).toBe(8);
  });

  it('clears the ring slots of seconds skipped while quiet', () => {
    const clock = manualClock();
    const traffic = new BrokerTraffic({ now: clock.now });
    traffic.record('t', Buffer.from('1'), null);
    clock.advance(5000);
    traffic.record('t', Buffer.from('1'), null);
    clock.advance(HISTORY_SECONDS * 1000 - 4000);
    traffic.record('t', Buffer.from('1'), null);
    clock.advance(1000);
    const recent = traffic.topics('', 1).topics[0]!.recent;
    expect(recent.reduce((sum, count) => sum + count, 0)).toBe(2);
    expect(recent.at(-1)).toBe(1);
  });

  it('filters by prefix and cuts the list at the limit, saying how many matched', () => {
    const traffic = new BrokerTraffic();
    for (const topic of ['meters/D2/energy', 'meters/D1/energy', 'temp_readings', 'meters/D3/energy']) traffic.record(topic, Buffer.from('1'), null);
    const page = traffic.topics('meters/', 2);
    expect(page.topics.map((topic) => topic.topic)).toEqual(['meters/D1/energy', 'meters/D2/energy']);
    expect(page).toMatchObject({ matched: 3, tracked: 4 });
  });

  it('tracks at most maxTopics topics and counts messages on the others as untracked', () => {
    const clock = manualClock();
    const traffic = new BrokerTraffic({ maxTopics: 3, now: clock.now });
    for (let index = 0; index < 10; index += 1) traffic.record(`spray/${index}`, Buffer.from('1'), null);
    traffic.record('spray/0', Buffer.from('again'), null);
    expect(traffic.topics('', 100)).toMatchObject({ tracked: 3, maxTopics: 3, untrackedMessages: 7 });
    expect(traffic.topics('', 100).topics[0]).toMatchObject({ topic: 'spray/0', messages: 2 });
  });

  it('makes room in a full map by dropping topics idle for five minutes', () => {
    const clock = manualClock();
    const traffic = new BrokerTraffic({ maxTopics: 2, now: clock.now });
    traffic.record('old', Buffer.from('1'), null);
    clock.advance(60_000);
    traffic.record('recent', Buffer.from('1'), null);
    clock.advance(4 * 60_000);
    traffic.record('new', Buffer.from('1'), null);
    expect(traffic.topics('', 10).topics.map((topic) => topic.topic)).toEqual(['new', 'recent']);
    expect(traffic.topics('', 10).untrackedMessages).toBe(0);
  });
});

describe('previewPayload', () => {
  it('shows printable UTF-8 as text', () => {
    expect(previewPayload(Buffer.from('Grüße\n{"a":1}'))).toEqual({ encoding: 'utf8', text: 'Grüße\n{"a":1}', size: 15, truncated: false });
    expect(previewPayload('plain')).toEqual({ encoding: 'utf8', text: 'plain', size: 5, truncated: false });
    expect(previewPayload(Buffer.alloc(0))).toEqual({ encoding: 'utf8', text: '', size: 0, truncated: false });
  });

  it('shows binary and control characters as hex', () => {
    expect(previewPayload(Buffer.from([0xff, 0x00, 0x10]))).toEqual({ encoding: 'hex', text: 'ff0010', size: 3, truncated: false });
    expect(previewPayload(Buffer.from('a\u0000b'))).toMatchObject({ encoding: 'hex', text: '610062' });
  });

  it('cuts a long payload at 512 bytes without splitting a character, and gives the full size', () => {
    const text = `${'a'.repeat(PREVIEW_BYTES - 1)}é${'b'.repeat(100)}`;
    const preview = previewPayload(Buffer.from(text));
    expect(preview).toMatchObject({ encoding: 'utf8', size: PREVIEW_BYTES + 101, truncated: true });
    expect(preview.text).toBe('a'.repeat(PREVIEW_BYTES - 1));
    const binary = previewPayload(Buffer.alloc(2000, 0xfe));
    expect(binary).toMatchObject({ encoding: 'hex', size: 2000, truncated: true });
    expect(binary.text).toHaveLength(PREVIEW_BYTES * 2);
  });
});

describe('the last message\'s MQTT 5 properties', () => {
  it('are kept per topic and shown with every user property in order, a repeated name once per value; a message without any has none', () => {
    const traffic = new BrokerTraffic();
    traffic.record('a', 'x', null, { contentType: 'application/json', payloadFormatIndicator: true, userProperties: { site: ['lab', 'hall'], floor: '2' }, messageExpiryInterval: 30 });
    traffic.record('b', 'y', null, {});
    const [a, b] = traffic.topics('', 10).topics;
    expect(a!.lastProperties).toEqual({
      contentType: 'application/json',
      payloadFormat: 'utf8',
      responseTopic: null,
      correlationData: null,
      userProperties: [['site', 'lab'], ['site', 'hall'], ['floor', '2']],
      messageExpirySeconds: 30,
    });
    expect(b!.lastProperties).toBeNull();
    traffic.record('a', 'z', null);
    expect(traffic.topics('a', 10).topics[0]!.lastProperties).toBeNull();
  });
});
