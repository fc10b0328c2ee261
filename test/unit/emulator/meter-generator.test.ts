import { describe, expect, it } from 'vitest';
import { meterId, meterReading } from '../../../core/emulator/meter-generator.js';
import { meterReadingSchema } from '../../../core/ingest/meter-payload.js';
import { METER_CHANNEL_FIELDS, METER_CHANNELS, type MeterReadingBody } from '../../../core/model/meter-reading.js';

/** 2016-08-17 00:00 UTC, the day of the source document's reading. */
const DAY_START = 1_471_392_000;
const HOUR = 3600;
const SOLAR_CHANNEL = METER_CHANNELS - 1;
const LOAD_CHANNELS = [0, 1, 2, 3, 4];
const channels = Array.from({ length: METER_CHANNELS }, (_, c) => c);

const ids = (count: number) => Array.from({ length: count }, (_, i) => meterId(i + 1));
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const decimals = (value: number) => (String(value).split('.')[1] ?? '').length;

/** Readings of `meters` meters over two days at `intervalSeconds`. */
function readingsOverTwoDays(meters: number, intervalSeconds: number): MeterReadingBody[] {
  const readings: MeterReadingBody[] = [];
  for (const id of ids(meters)) {
    for (let t = DAY_START; t < DAY_START + 2 * 86_400; t += intervalSeconds) readings.push(meterReading(id, t, intervalSeconds));
  }
  return readings;
}

function plausibleVoltsAndAmps(reading: MeterReadingBody, c: number): boolean {
  const [vMin, vMax, iMin, iMax] = [reading.vRMSMin[c]!, reading.vRMSMax[c]!, reading.iRMSMin[c]!, reading.iRMSMax[c]!];
  const oneSupply = vMin === reading.vRMSMin[0] && vMax === reading.vRMSMax[0];
  const volts = vMin >= 228 && vMax <= 250 && vMin <= vMax && decimals(vMin) <= 1 && decimals(vMax) <= 1;
  const amps = iMin <= iMax && decimals(iMin) <= 3 && decimals(iMax) <= 3;

  const hoursPerInterval = reading.duration / HOUR;
  const realWatts = (reading.eRealPositive[c]! + reading.eRealNegative[c]!) / hoursPerInterval;
  const reactiveWatts = (reading.eReactivePositive[c]! + reading.eReactiveNegative[c]!) / hoursPerInterval;
  const apparent = Math.hypot(realWatts, reactiveWatts);
  // Whole-Wh rounding of two energies moves the apparent power by up to √2 Wh per interval.
  const roundingSlack = Math.SQRT2 / hoursPerInterval + 1;
  const withinRange = apparent >= iMin * vMin - roundingSlack && apparent <= iMax * vMax + roundingSlack;
  // Where rounding does not matter, the middle of the current range times the voltage is close to S.
  const middle = ((iMin + iMax) / 2) * ((vMin + vMax) / 2);
  const nearMiddle = apparent <= 500 || (middle > 0.7 * apparent && middle < 1.35 * apparent);
  return oneSupply && volts && amps && withinRange && nearMiddle;
}

describe('meterId', () => {
  it("numbers meters like the document's D704206006772: the prefix and six zero-padded digits", () => {
    expect(meterId(1)).toBe('D704206000001');
    expect(meterId(6772)).toBe('D704206006772');
    expect(meterId(999_999)).toBe('D704206999999');
  });
});

describe('meterReading', () => {
  const fiveMinute = readingsOverTwoDays(40, 300);

  it('makes readings that ingest accepts, at any interval', () => {
    const readings = [...fiveMinute, ...readingsOverTwoDays(2, 60), ...readingsOverTwoDays(5, 3600)];
    const rejected = readings.filter((reading) => !meterReadingSchema.safeParse(reading).success);
    expect(rejected.map((reading) => JSON.stringify(reading))).toEqual([]);
  });

  it("has the document's shape: its keys in its order, the slot's timestamp and duration", () => {
    const reading = meterReading('D704206006772', DAY_START + 300, 300);
    expect(Object.keys(reading)).toEqual([...METER_CHANNEL_FIELDS, 'timestamp', 'duration']);
    expect(reading).toMatchObject({ timestamp: DAY_START + 300, duration: 300 });
    for (const field of METER_CHANNEL_FIELDS) expect(reading[field]).toHaveLength(METER_CHANNELS);
  });

  it('keeps energies whole and consistent: eReal = Positive − Negative exactly, and likewise eReactive', () => {
    const broken = fiveMinute.filter((reading) =>
      channels.some((c) => {
        const [real, realOut, realIn] = [reading.eReal[c]!, reading.eRealNegative[c]!, reading.eRealPositive[c]!];
        const [reactive, reactiveOut, reactiveIn] = [reading.eReactive[c]!, reading.eReactiveNegative[c]!, reading.eReactivePositive[c]!];
        const whole = [real, realOut, realIn, reactive, reactiveOut, reactiveIn].every(Number.isInteger);
        return !whole || realOut < 0 || realIn < 0 || reactiveOut < 0 || reactiveIn < 0 || real !== realIn - realOut || reactive !== reactiveIn - reactiveOut;
      }),
    );
    expect(broken.map((reading) => JSON.stringify(reading))).toEqual([]);
  });

  it('measures one supply of about 230–250 V, and currents that match the energies (I ≈ S / V)', () => {
    const broken = fiveMinute.filter((reading) => channels.some((c) => !plausibleVoltsAndAmps(reading, c)));
    expect(broken.map((reading) => JSON.stringify(reading))).toEqual([]);
  });

  it('is reproducible: the same meter and slot always give the same reading, others differ', () => {
    const again = readingsOverTwoDays(40, 300);
    expect(JSON.stringify(again)).toBe(JSON.stringify(fiveMinute));
    const reading = JSON.stringify(meterReading('D704206000007', DAY_START + 12 * HOUR, 300));
    expect(JSON.stringify(meterReading('D704206000008', DAY_START + 12 * HOUR, 300))).not.toBe(reading);
    expect(JSON.stringify(meterReading('D704206000007', DAY_START + 12 * HOUR + 300, 300))).not.toBe(reading);
  });

  it('follows a daily load profile: more at midday and in the evening than at 3 a.m., the evening peak highest', () => {
    const meanLoadWh = (hour: number) =>
      sum(ids(300).map((id) => sum(LOAD_CHANNELS.map((c) => meterReading(id, DAY_START + hour * HOUR, 300).eRealPositive[c]!)))) / 300;
    const night = meanLoadWh(3);
    const midday = meanLoadWh(12);
    const evening = meanLoadWh(19.5);
    expect(midday).toBeGreaterThan(1.5 * night);
    expect(evening).toBeGreaterThan(1.5 * midday);
  });

  it('exports from channel 6 (solar) in the middle of the day, like the document’s -3083 Wh, and not at night', () => {
    const solarAt = (hour: number) => ids(300).map((id) => meterReading(id, DAY_START + hour * HOUR, 300));
    const noon = solarAt(12);
    const night = solarAt(3);
    expect(noon.every((r) => r.eReal[SOLAR_CHANNEL]! < 0)).toBe(true);
    expect(Math.max(...noon.map((r) => r.eRealNegative[SOLAR_CHANNEL]!))).toBeGreaterThan(2000);
    expect(sum(noon.map((r) => r.eRealNegative[SOLAR_CHANNEL]!)) / noon.length).toBeGreaterThan(500);
    expect(night.every((r) => r.eRealNegative[SOLAR_CHANNEL] === 0 && r.eRealPositive[SOLAR_CHANNEL]! <= 2)).toBe(true);
  });
});
