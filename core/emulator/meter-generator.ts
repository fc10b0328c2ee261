import { METER_CHANNELS, type MeterReadingBody } from '../model/meter-reading.js';

/** The source document's meter is D704206006772: this prefix and a six-digit number. */
export const METER_ID_PREFIX = 'D704206';
const METER_NUMBER_DIGITS = 6;

/** Channel 6 carries a solar inverter, as in the document where it exports 3083 Wh in five minutes. */
const SOLAR_CHANNEL = METER_CHANNELS - 1;
const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86_400;

/** Meter 1 is D704206000001; numbers past 999999 simply get more digits. */
export function meterId(meterNumber: number): string {
  return METER_ID_PREFIX + String(meterNumber).padStart(METER_NUMBER_DIGITS, '0');
}

/*
 * Every random choice is a stateless hash of (seed, draw number): a meter's seed comes from its id,
 * so its circuits stay the same across readings and restarts, and a reading's seed adds its
 * timestamp, so the same meter and slot always give the same reading without a PRNG object per reading.
 */

/** What a meter is: drawn from the meter's seed. */
const METER_DRAW = { nominalVolts: 0, solarPeak: 1, inverterPowerFactor: 2, standby: 3, channelPeak: 10, channelPowerFactor: 20, capacitive: 30 } as const;
/** What one interval looks like: drawn from the reading's seed. */
const READING_DRAW = { voltsNoise: 0, voltsDip: 1, voltsRise: 2, passingClouds: 3, channelLoad: 10, currentBelow: 20, currentAbove: 30 } as const;
/** Keeps the day's weather seed apart from the reading seeds derived from the same meter. */
const WEATHER_SALT = 0x5eed_c10d;

function hashString(text: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** lowbias32 of `seed` combined with `value`: well-mixed 32 bits from two 32-bit inputs. */
function mix(seed: number, value: number): number {
  let x = (seed ^ Math.imul(value + 1, 0x9e3779b9)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A number in [0, 1), the same for the same seed and draw. */
function uniform(seed: number, draw: number): number {
  return mix(seed, draw) / 4_294_967_296;
}

function between(seed: number, draw: number, low: number, high: number): number {
  return low + (high - low) * uniform(seed, draw);
}

/** A bump around `peakHour` that wraps around midnight. */
function bump(hour: number, peakHour: number, widthHours: number): number {
  const distance = Math.min(Math.abs(hour - peakHour), 24 - Math.abs(hour - peakHour));
  return Math.exp(-0.5 * (distance / widthHours) ** 2);
}

/**
 * A household's daily load, about 0.2 at night, 0.8 at the morning peak, 0.5 at midday and 1.2
 * at the evening peak. Hours are UTC so a reading does not depend on the machine's time zone.
 */
function loadShape(hour: number): number {
  return 0.2 + 0.6 * bump(hour, 7.5, 1.2) + 0.3 * bump(hour, 13, 2.5) + 1.0 * bump(hour, 19.5, 1.8);
}

/** Clear-sky solar output, 0 at night and 1 at noon. */
function sunShape(hour: number): number {
  return hour <= 6 || hour >= 18 ? 0 : Math.sin((Math.PI * (hour - 6)) / 12) ** 1.2;
}

/** Share of the clear-sky output that gets through: one weather per meter and day, plus passing clouds. */
function sunlight(meterSeed: number, readingSeed: number, timestamp: number): number {
  const day = Math.floor(timestamp / SECONDS_PER_DAY);
  return between(mix(meterSeed ^ WEATHER_SALT, day), 0, 0.35, 1) * between(readingSeed, READING_DRAW.passingClouds, 0.75, 1);
}

/** tan φ for a power factor: reactive power per watt. */
function reactivePerWatt(powerFactor: number): number {
  return Math.sqrt(1 - powerFactor * powerFactor) / powerFactor;
}

const roundTo = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/**
 * The reading meter `deviceId` sends for [timestamp, timestamp + durationSeconds): Wh and varh per
 * channel over the interval, the lowest and highest RMS volts and amps seen in it. eReal and
 * eReactive are Positive − Negative exactly; currents match the energies at the interval's voltage.
 */
export function meterReading(deviceId: string, timestamp: number, durationSeconds: number): MeterReadingBody {
  const meterSeed = hashString(deviceId);
  const readingSeed = mix(meterSeed, timestamp);
  const hour = ((timestamp + durationSeconds / 2) % SECONDS_PER_DAY) / SECONDS_PER_HOUR;
  const load = loadShape(hour);
  const sun = sunShape(hour) * sunlight(meterSeed, readingSeed, timestamp);
  // Local generation lifts the voltage, the evening peak pulls it down; all circuits share one supply.
  const volts =
    between(meterSeed, METER_DRAW.nominalVolts, 235, 243) + 2.5 * sun - 1.6 * load + between(readingSeed, READING_DRAW.voltsNoise, -0.75, 0.75);
  const hours = durationSeconds / SECONDS_PER_HOUR;
  const vMin = roundTo(volts - between(readingSeed, READING_DRAW.voltsDip, 0.2, 2.5), 1);
  const vMax = roundTo(volts + between(readingSeed, READING_DRAW.voltsRise, 0.2, 1.5), 1);

  const body: MeterReadingBody = {
    eReal: [],
    eRealNegative: [],
    eRealPositive: [],
    eReactive: [],
    eReactiveNegative: [],
    eReactivePositive: [],
    vRMSMin: [],
    vRMSMax: [],
    iRMSMin: [],
    iRMSMax: [],
    timestamp,
    duration: durationSeconds,
  };
  for (let channel = 0; channel < METER_CHANNELS; channel++) {
    const solar = channel === SOLAR_CHANNEL;
    const exportWatts = solar ? between(meterSeed, METER_DRAW.solarPeak, 3000, 40_000) * sun : 0;
    const importWatts = solar ? standbyWatts(meterSeed, exportWatts) : loadWatts(meterSeed, readingSeed, channel, load);
    const realWatts = importWatts + exportWatts;
    const reactiveWatts = realWatts * reactivePerWatt(powerFactor(meterSeed, channel));
    // Inverters and electronic loads draw capacitive (exported) reactive power, motors inductive.
    const capacitive = solar || uniform(meterSeed, METER_DRAW.capacitive + channel) < 0.2;
    const amps = Math.hypot(realWatts, reactiveWatts) / volts;

    const realIn = Math.round(importWatts * hours);
    const realOut = Math.round(exportWatts * hours);
    const reactive = Math.round(reactiveWatts * hours);
    const reactiveIn = capacitive ? 0 : reactive;
    const reactiveOut = capacitive ? reactive : 0;
    body.eReal.push(realIn - realOut);
    body.eRealNegative.push(realOut);
    body.eRealPositive.push(realIn);
    body.eReactive.push(reactiveIn - reactiveOut);
    body.eReactiveNegative.push(reactiveOut);
    body.eReactivePositive.push(reactiveIn);
    body.vRMSMin.push(vMin);
    body.vRMSMax.push(vMax);
    body.iRMSMin.push(roundTo(amps * (1 - between(readingSeed, READING_DRAW.currentBelow + channel, 0.02, 0.5)), 3));
    body.iRMSMax.push(roundTo(amps * (1 + between(readingSeed, READING_DRAW.currentAbove + channel, 0.02, 0.6)), 3));
  }
  return body;
}

/** A circuit's mean draw: its own size, the time of day, and how busy this interval was. */
function loadWatts(meterSeed: number, readingSeed: number, channel: number, load: number): number {
  const peakWatts = 150 + 1850 * uniform(meterSeed, METER_DRAW.channelPeak + channel) ** 2;
  return peakWatts * load * between(readingSeed, READING_DRAW.channelLoad + channel, 0.6, 1.4);
}

/** The inverter draws a little from the grid while the sun is down, nothing while it generates. */
function standbyWatts(meterSeed: number, exportWatts: number): number {
  return exportWatts > 0 ? 0 : between(meterSeed, METER_DRAW.standby, 5, 20);
}

function powerFactor(meterSeed: number, channel: number): number {
  return channel === SOLAR_CHANNEL
    ? between(meterSeed, METER_DRAW.inverterPowerFactor, 0.6, 0.98)
    : between(meterSeed, METER_DRAW.channelPowerFactor + channel, 0.85, 0.99);
}
