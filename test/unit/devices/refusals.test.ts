import { describe, expect, it } from 'vitest';
import { REFUSAL_CODES, RefusalLog, type Refusal } from '../../../core/devices/refusals.js';

function refusal(index: number, overrides: Partial<Refusal> = {}): Refusal {
  return {
    at: 1_700_000_000_000 + index,
    action: 'publish',
    clientId: `client-${index}`,
    address: '192.168.1.20',
    deviceId: 'D704206000001',
    topic: 'meters/D704206000002/energy',
    code: 'publish-not-allowed',
    reason: 'D704206000001 may publish only under meters/D704206000001/#',
    answer: 'disconnected',
    ...overrides,
  };
}

describe('RefusalLog', () => {
  it('keeps the last N refusals, newest first, and counts every one by code', () => {
    const log = new RefusalLog(3);
    for (let index = 0; index < 5; index += 1) log.record(refusal(index));
    log.record(refusal(5, { action: 'connect', topic: null, deviceId: null, code: 'wrong-password', reason: 'wrong password for D1' }));
    const snapshot = log.snapshot();
    expect(snapshot.total).toBe(6);
    expect(snapshot.byCode['publish-not-allowed']).toBe(5);
    expect(snapshot.byCode['wrong-password']).toBe(1);
    expect(snapshot.byCode['unknown-device']).toBe(0);
    expect(snapshot.recent.map((kept) => kept.clientId)).toEqual(['client-5', 'client-4', 'client-3']);
    expect(snapshot.recent[0]).toEqual(refusal(5, { action: 'connect', topic: null, deviceId: null, code: 'wrong-password', reason: 'wrong password for D1' }));
  });

  it('counts limits and untrusted certificates under codes of their own, every other code at zero', () => {
    const log = new RefusalLog();
    log.record(refusal(1, { code: 'limit-exceeded', reason: 'payload of 5000 bytes is larger than the broker allows (4096 bytes, --mqtt-max-payload)' }));
    log.record(refusal(2, { action: 'connect', topic: null, deviceId: null, code: 'certificate-untrusted', reason: 'the client certificate is not trusted' }));
    const expected = Object.fromEntries(REFUSAL_CODES.map((code) => [code, 0]));
    expect(log.snapshot().byCode).toEqual({ ...expected, 'limit-exceeded': 1, 'certificate-untrusted': 1 });
  });

  it('holds fewer than N in order before it is full', () => {
    const log = new RefusalLog(200);
    log.record(refusal(1));
    log.record(refusal(2));
    expect(log.snapshot().recent.map((kept) => kept.at)).toEqual([refusal(2).at, refusal(1).at]);
  });

  it('stays bounded under a flood, and shortens client-supplied text', () => {
    const log = new RefusalLog();
    const longTopic = `meters/${'x/'.repeat(30_000)}energy`;
    for (let index = 0; index < 10_000; index += 1) log.record(refusal(index, { topic: longTopic, clientId: 'c'.repeat(5_000) }));
    const { recent, total } = log.snapshot();
    expect(total).toBe(10_000);
    expect(recent).toHaveLength(200);
    expect(recent[0]!.at).toBe(refusal(9_999).at);
    expect(recent[199]!.at).toBe(refusal(9_800).at);
    expect(recent[0]!.topic).toHaveLength(256);
    expect(recent[0]!.topic!.endsWith('…')).toBe(true);
    expect(recent[0]!.clientId).toHaveLength(256);
  });

  it('hands out copies, so a caller cannot change the log', () => {
    const log = new RefusalLog(2);
    log.record(refusal(1));
    log.snapshot().recent[0]!.reason = 'changed';
    log.snapshot().byCode['publish-not-allowed'] = 99;
    expect(log.snapshot().recent[0]!.reason).toBe(refusal(1).reason);
    expect(log.snapshot().byCode['publish-not-allowed']).toBe(1);
  });

  it('refuses a capacity below one', () => {
    expect(() => new RefusalLog(0)).toThrow('a refusal log keeps at least 1 refusal, not 0');
  });
});
