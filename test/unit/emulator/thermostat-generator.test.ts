import { describe, expect, it } from 'vitest';
import { thermostatGenerator } from '../../../core/emulator/thermostat-generator.js';
import { parseThermostatPayload } from '../../../core/ingest/thermostat-payload.js';

/** A random source that replays `values` in a loop. */
const replay = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('thermostatGenerator', () => {
  it("produces the source document's ranges at their extremes: ids 1..devices, 1..110 °F, humidity 1..100", () => {
    expect(thermostatGenerator({ devices: 5000, random: replay(0) })()).toEqual({ deviceId: 1, temperature: 1, deviceIP: '1.0.0.1', humidity: 1 });
    expect(thermostatGenerator({ devices: 5000, random: replay(0.999999) })()).toEqual({
      deviceId: 5000,
      temperature: 110,
      deviceIP: '254.255.255.254',
      humidity: 100,
    });
  });

  it('makes every reading one that ingest accepts', () => {
    const next = thermostatGenerator({ devices: 5000 });
    for (let i = 0; i < 2000; i += 1) {
      const payload = Buffer.from(JSON.stringify(next()));
      const parsed = parseThermostatPayload(payload, 4096);
      expect(parsed.ok, payload.toString()).toBe(true);
    }
  });

  it('forces the configured share of readings hot (heat-wave preset)', () => {
    const next = thermostatGenerator({ devices: 10, hotShare: 0.5 });
    const readings = Array.from({ length: 4000 }, next);
    const hot = readings.filter((r) => r.temperature > 85).length / readings.length;
    // 50% forced hot plus the uniform spread's own 25/110 of the rest.
    expect(hot).toBeGreaterThan(0.55);
    expect(hot).toBeLessThan(0.7);
    expect(readings.every((r) => r.deviceId >= 1 && r.deviceId <= 10)).toBe(true);
  });
});
