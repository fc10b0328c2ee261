import { describe, expect, it } from 'vitest';
import { MAX_HASH_FIELDS, parseJsonHashPayload } from '../../../core/ingest/json-hash-payload.js';
import { createKeySchema } from '../../../core/model/keys.js';
import { topicHashWrites } from '../../../core/model/topic-hash-persist.js';

const parse = (payload: string, maxBytes = 4096) => parseJsonHashPayload(Buffer.from(payload), maxBytes);

describe('parseJsonHashPayload', () => {
  it('turns a JSON object into HSET field/value pairs', () => {
    expect(parse('{"co2":612,"ok":true,"room":"kitchen","nested":{"a":[1,2]},"gone":null}')).toEqual({
      ok: true,
      value: ['co2', '612', 'ok', 'true', 'room', 'kitchen', 'nested', '{"a":[1,2]}', 'gone', ''],
    });
  });

  it('rejects what is not a non-empty JSON object, with the reason a dead letter shows', () => {
    expect(parse('[1,2]')).toMatchObject({ ok: false, rejection: { reason: 'wrong-type' } });
    expect(parse('42')).toMatchObject({ ok: false, rejection: { reason: 'wrong-type' } });
    expect(parse('{"co2":')).toMatchObject({ ok: false, rejection: { reason: 'not-json' } });
    expect(parse('{}')).toEqual({ ok: false, rejection: { reason: 'invalid-value', detail: '(payload): an empty object has no fields to store' } });
    expect(parse('{"":1}')).toEqual({ ok: false, rejection: { reason: 'invalid-value', detail: '(payload): a field name may not be empty' } });
    expect(parse(`{"${'n'.repeat(257)}":1}`)).toMatchObject({ ok: false, rejection: { reason: 'out-of-range' } });
    expect(parse('{"a":"x"}', 5)).toMatchObject({ ok: false, rejection: { reason: 'too-large' } });
  });

  it('refuses an object wider than a hash should be', () => {
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: MAX_HASH_FIELDS + 1 }, (_, index) => [`f${index}`, index])));
    expect(parse(wide, 1 << 20)).toEqual({ ok: false, rejection: { reason: 'out-of-range', detail: `(payload): ${MAX_HASH_FIELDS + 1} fields, the limit is ${MAX_HASH_FIELDS}` } });
  });
});

describe('topicHashWrites', () => {
  it('writes one HSET per topic, later messages\' fields over earlier ones', () => {
    const keys = createKeySchema({ keyPrefix: 'lab:' });
    const writes = topicHashWrites(
      [
        { topic: 'sensors/kitchen/air', fields: ['co2', '600', 'room', 'kitchen'], receivedAt: 0 },
        { topic: 'sensors/hall/air', fields: ['co2', '500'], receivedAt: 0 },
        { topic: 'sensors/kitchen/air', fields: ['co2', '640'], receivedAt: 0 },
      ],
      keys,
    );
    expect(writes).toEqual([
      ['hset', 'lab:topic:sensors/kitchen/air', 'co2', '640', 'room', 'kitchen'],
      ['hset', 'lab:topic:sensors/hall/air', 'co2', '500'],
    ]);
    expect(topicHashWrites([], keys)).toEqual([]);
  });
});
