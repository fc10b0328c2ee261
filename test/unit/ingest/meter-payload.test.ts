import { describe, expect, it } from 'vitest';
import { parseMeterDatagram, parseMeterMqttPayload } from '../../../core/ingest/meter-payload.js';
import { meterReading } from '../../helpers/meter-readings.js';

const NOV_1 = 1_793_577_600;
/** The document's example reading without timestamp and duration, as JSON members. */
const BODY = JSON.stringify(meterReading(NOV_1)).slice(1).replace(/,"timestamp".*$/, '');
const datagram = (body: unknown) => Buffer.from(JSON.stringify(body));
const withReading = (change: Record<string, unknown>) => datagram({ deviceId: 'D704206006772', readings: [{ ...meterReading(NOV_1), ...change }] });

describe('meter payloads', () => {
  it('accepts the source document example and keeps the readings exactly as sent', () => {
    const reading = { ...meterReading(NOV_1), firmware: '2.1' };
    const parsed = parseMeterDatagram(datagram({ deviceId: 'D704206006772', readings: [reading] }), 65_507);
    expect(parsed).toEqual({ ok: true, value: { deviceId: 'D704206006772', readings: [reading], texts: [JSON.stringify(reading)] } });
    expect(parseMeterMqttPayload('meters/D704206006772/energy', datagram([reading]), 65_507)).toMatchObject({ ok: true, value: { deviceId: 'D704206006772' } });
  });

  it('stores each reading as the device wrote it, on one line, whatever the key order, spacing or duplicate keys', () => {
    const a = '{ "timestamp": 1793577600, "duration": 300, "note": "a } and a \\" inside", ' + BODY + ' }';
    const b = '{' + BODY + ',"timestamp":1793577900,"duration":300}';
    const sent = `{"readings": [{"decoy": 1}], "deviceId":"D1",  "readings" : [ ${a} ,\t${b} ]}`;
    const parsed = parseMeterDatagram(Buffer.from(sent), 65_507);
    expect(parsed.ok && parsed.value.texts).toEqual([a, b]);
    expect(parsed.ok && parsed.value.texts.map((text) => JSON.parse(text))).toEqual(parsed.ok && parsed.value.readings);

    const pretty = JSON.stringify([meterReading(NOV_1)], null, 2);
    const fromMqtt = parseMeterMqttPayload('meters/D1/energy', Buffer.from(`\n ${pretty}`), 65_507);
    expect(fromMqtt.ok && fromMqtt.value.texts).toEqual([JSON.stringify(meterReading(NOV_1))]);
  });

  it.each([
    ['a missing series', { vRMSMin: undefined }, 'missing-field', 'readings.0.vRMSMin: required field is missing'],
    ['a series of five channels', { eReal: [1, 2, 3, 4, 5] }, 'out-of-range', 'readings.0.eReal'],
    ['a text value', { iRMSMax: [0.1, 0.1, 'x', 0.1, 0.1, 0.1] }, 'wrong-type', 'readings.0.iRMSMax.2'],
    ['negative energy', { eRealPositive: [0, 0, -1, 0, 0, 0] }, 'out-of-range', 'readings.0.eRealPositive.2: must be >= 0'],
    ['min above max', { iRMSMin: [0.5, 0.022, 0.022, 0.022, 0.022, 0.087] }, 'invalid-value', 'readings.0.iRMSMin.0: is greater than iRMSMax[0]'],
    ['a timestamp in ms', { timestamp: NOV_1 * 1000 }, 'out-of-range', 'readings.0.timestamp'],
    ['a fractional timestamp', { timestamp: NOV_1 + 0.5 }, 'wrong-type', 'readings.0.timestamp'],
  ])('rejects %s with its reason and the field', (_name, change, reason, detail) => {
    const parsed = parseMeterDatagram(withReading(change), 65_507);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.rejection.reason).toBe(reason);
    expect(parsed.rejection.detail).toContain(detail);
  });

  it('rejects datagrams without a usable id, empty reading lists and topics that do not name a meter', () => {
    expect(parseMeterDatagram(datagram({ deviceId: 'D1 2', readings: [meterReading(NOV_1)] }), 65_507)).toMatchObject({ ok: false, rejection: { reason: 'invalid-value' } });
    expect(parseMeterDatagram(datagram({ deviceId: 'D1', readings: [] }), 65_507)).toMatchObject({ ok: false, rejection: { reason: 'out-of-range' } });
    expect(parseMeterDatagram(datagram({ deviceId: 'D1', readings: [meterReading(NOV_1)], extra: 1 }), 65_507)).toMatchObject({ ok: false });
    expect(parseMeterMqttPayload('meters/D1/power', datagram([meterReading(NOV_1)]), 65_507)).toMatchObject({ ok: false, rejection: { reason: 'unknown-topic' } });
    expect(parseMeterMqttPayload('meters/D1/energy', Buffer.from('x'.repeat(300)), 256)).toMatchObject({ ok: false, rejection: { reason: 'too-large' } });
  });
});
