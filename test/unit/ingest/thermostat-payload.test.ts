import { describe, expect, it } from 'vitest';
import type { RejectionReason } from '../../../core/domain/rejection.js';
import { parseThermostatPayload } from '../../../core/ingest/thermostat-payload.js';

const LIMIT = 4096;
const valid = { deviceId: 42, temperature: 72.5, humidity: 40, deviceIP: '192.168.1.20' };

const parse = (payload: unknown) => parseThermostatPayload(Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), LIMIT);

function expectRejected(payload: unknown, reason: RejectionReason, field?: string): void {
  const result = parse(payload);
  expect(result.ok, `expected ${JSON.stringify(payload)} to be rejected`).toBe(false);
  if (result.ok) return;
  expect(result.rejection.reason).toBe(reason);
  if (field) expect(result.rejection.detail).toContain(field);
}

function without(field: keyof typeof valid): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...valid };
  delete copy[field];
  return copy;
}

describe('thermostat payload schema', () => {
  describe('accepts', () => {
    it("the source document's payload with a numeric deviceId, normalised to the string used as its Redis key", () => {
      expect(parse(valid)).toEqual({ ok: true, value: { deviceId: '42', temperature: 72.5, humidity: 40, deviceIP: '192.168.1.20' } });
    });

    it('a string deviceId', () => {
      const result = parse({ ...valid, deviceId: 'thermo-7.kitchen_2' });
      expect(result.ok && result.value.deviceId).toBe('thermo-7.kitchen_2');
    });

    it("an IPv6 deviceIP and the device's own timestamp", () => {
      const result = parse({ ...valid, deviceIP: '2001:db8::1', timestamp: 1_700_000_000_000 });
      expect(result.ok && result.value).toMatchObject({ deviceIP: '2001:db8::1', timestamp: 1_700_000_000_000 });
    });

    it('the range edges: temperature -150 and 300, humidity 0 and 100', () => {
      expect(parse({ ...valid, temperature: -150, humidity: 0 }).ok).toBe(true);
      expect(parse({ ...valid, temperature: 300, humidity: 100 }).ok).toBe(true);
    });

    it('a payload of exactly the size limit', () => {
      const base = JSON.stringify({ ...valid, note: '' });
      const padded = JSON.stringify({ ...valid, note: 'x'.repeat(LIMIT - base.length) });
      expect(Buffer.byteLength(padded)).toBe(LIMIT);
      expect(parse(padded).ok).toBe(true);
    });
  });

  describe('rejects', () => {
    it.each(['{"deviceId": 1,', 'hello', '', '{deviceId: 1}'])('not JSON: %j', (text) => {
      expectRejected(text, 'not-json');
    });

    it.each(['deviceId', 'temperature', 'humidity', 'deviceIP'] as const)('a payload without %s as missing-field', (field) => {
      expectRejected(without(field), 'missing-field', field);
    });

    it.each([
      ['temperature', 'hot'],
      ['humidity', '40%'],
      ['temperature', null],
      ['deviceId', true],
      ['deviceId', { id: 1 }],
      ['deviceIP', 3232235796],
    ] as const)('%s = %j as wrong-type', (field, value) => {
      expectRejected({ ...valid, [field]: value }, 'wrong-type', field);
    });

    it.each([null, [valid], 42, '"a string"'])('a JSON %j that is not an object as wrong-type', (value) => {
      expectRejected(value, 'wrong-type');
    });

    it.each([
      ['temperature', 301],
      ['temperature', -151],
      ['humidity', 101],
      ['humidity', -1],
    ] as const)('%s = %d as out-of-range', (field, value) => {
      expectRejected({ ...valid, [field]: value }, 'out-of-range', field);
    });

    it.each(['999.1.1.1', '10.0.0', 'localhost', ''])('deviceIP %j as invalid-value', (ip) => {
      expectRejected({ ...valid, deviceIP: ip }, 'invalid-value', 'deviceIP');
    });

    it('a payload over the size limit as too-large, before parsing it', () => {
      const big = JSON.stringify({ ...valid, note: 'x'.repeat(LIMIT) });
      expectRejected(big, 'too-large');
      expectRejected('not json at all'.padEnd(LIMIT + 1, '!'), 'too-large');
    });

    it.each(['a:b', 'climate:hot', 'workbench:ingest:deadletters', 'SensorData', '', 'x'.repeat(65), 'two words'])(
      'deviceId %j, which would not be a safe key of its own, as invalid-value',
      (deviceId) => {
        expectRejected({ ...valid, deviceId }, 'invalid-value', 'deviceId');
      },
    );
  });
});
