import { describe, expect, it } from 'vitest';
import type { BrokerClientView, BrokerTopicList } from '../../../core/api/broker.js';
import { brokerView } from '../../../core/app/broker-view.js';
import type { BrokerLimits } from '../../../core/broker/broker-access.js';
import type { WorkbenchMessage } from '../../../core/broker/broker.js';
import { InvalidInput, Unavailable } from '../../../core/domain/errors.js';

const TOPICS: BrokerTopicList = { topics: [], matched: 0, tracked: 0, maxTopics: 10_000, untrackedMessages: 0, at: 1 };

function client(id: string, since: number): BrokerClientView {
  return { id, protocol: 'mqtt', address: '127.0.0.1', since, tls: false, certificateCn: null, deviceId: null, workbench: false, protocolVersion: 4, messagesIn: 0, lastMessageAt: null };
}

/** The parts of a broker the view uses, recording what was published and asked. */
function fakeBroker(options: { limits?: BrokerLimits; clients?: BrokerClientView[]; refusePublish?: Error } = {}) {
  const published: WorkbenchMessage[] = [];
  const topicQueries: Array<[string, number]> = [];
  const broker = {
    limits: options.limits ?? {},
    clients: () => [...(options.clients ?? [])],
    topics: (prefix: string, limit: number) => {
      topicQueries.push([prefix, limit]);
      return TOPICS;
    },
    publishAsWorkbench: async (message: WorkbenchMessage) => {
      if (options.refusePublish) throw options.refusePublish;
      published.push(message);
    },
  };
  return { view: brokerView(broker), published, topicQueries };
}

const levels = (count: number) => Array.from({ length: count }, (_, index) => `l${index}`).join('/');

describe('the connected clients', () => {
  it('lists the longest connected first (ties by id), cut at the limit, with the total of all', () => {
    const { view } = fakeBroker({ clients: [client('late', 30), client('b', 10), client('first', 5), client('a', 10)] });
    expect(view.brokerClients(3)).toEqual({ total: 4, clients: [client('first', 5), client('a', 10), client('b', 10)] });
    expect(view.brokerClients(1000).clients.map((entry) => entry.id)).toEqual(['first', 'a', 'b', 'late']);
  });
});

describe('the topics', () => {
  it('asks the broker for the topics under the prefix, at most the limit', () => {
    const { view, topicQueries } = fakeBroker();
    expect(view.brokerTopics('meters/', 5)).toBe(TOPICS);
    expect(topicQueries).toEqual([['meters/', 5]]);
  });
});

describe('a test message', () => {
  it('is published as the workbench with its UTF-8 bytes, and the answer says what was sent', async () => {
    const { view, published } = fakeBroker();
    const before = Date.now();
    const result = await view.publishTestMessage({ topic: 'lab/hello', payload: 'héllo', qos: 1, retain: true });
    expect(result).toEqual({ topic: 'lab/hello', size: 6, qos: 1, retain: true, at: expect.any(Number) });
    expect(result.at).toBeGreaterThanOrEqual(before);
    expect(published).toEqual([{ topic: 'lab/hello', payload: Buffer.from('héllo'), qos: 1, retain: true }]);
  });

  it("refuses more topic levels than the broker allows, naming the topic field, and publishes nothing", async () => {
    const { view, published } = fakeBroker({ limits: { maxTopicLevels: 8 } });
    const refused = view.publishTestMessage({ topic: levels(9), payload: 'x', qos: 0, retain: false });
    await expect(refused).rejects.toThrow(InvalidInput);
    await expect(refused).rejects.toMatchObject({ field: 'topic', message: 'topic: topic has 9 levels, more than the broker allows (8)' });
    await expect(view.publishTestMessage({ topic: levels(8), payload: 'x', qos: 0, retain: false })).resolves.toMatchObject({ size: 1 });
    expect(published).toHaveLength(1);
  });

  it("holds a topic to aedes' 100 levels when the broker sets no lower limit", async () => {
    const { view } = fakeBroker({ limits: { maxTopicLevels: 500 } });
    await expect(view.publishTestMessage({ topic: levels(101), payload: 'x', qos: 0, retain: false })).rejects.toMatchObject({
      field: 'topic',
      message: 'topic: topic has 101 levels, more than the broker allows (100)',
    });
  });

  it('refuses a payload over the broker limit counted in bytes, naming the payload field', async () => {
    const { view, published } = fakeBroker({ limits: { maxPayloadBytes: 4 } });
    await expect(view.publishTestMessage({ topic: 'a', payload: 'ééé', qos: 0, retain: false })).rejects.toMatchObject({
      kind: 'invalid-input',
      field: 'payload',
      message: 'payload: 6 bytes is more than a test message may carry (4 bytes)',
    });
    expect(published).toEqual([]);
  });

  it('carries at most 64 KiB whatever the broker allows', async () => {
    const { view } = fakeBroker();
    await expect(view.publishTestMessage({ topic: 'a', payload: 'x'.repeat(65_537), qos: 0, retain: false })).rejects.toMatchObject({
      field: 'payload',
      message: 'payload: 65537 bytes is more than a test message may carry (65536 bytes)',
    });
    await expect(view.publishTestMessage({ topic: 'a', payload: 'x'.repeat(65_536), qos: 0, retain: false })).resolves.toMatchObject({ size: 65_536 });
  });

  it('answers a broker that does not take the message as the broker being unavailable, keeping the cause', async () => {
    const failure = new Error('aedes is closing');
    const { view } = fakeBroker({ refusePublish: failure });
    const refused = view.publishTestMessage({ topic: 'a', payload: 'x', qos: 1, retain: false });
    await expect(refused).rejects.toThrow(Unavailable);
    await expect(refused).rejects.toMatchObject({ service: 'broker', message: 'the broker did not take the message: aedes is closing', cause: failure });
  });
});
