/** The ten 6-channel series of one smart-meter reading, in the source document's order. */
export const METER_CHANNEL_FIELDS = [
  'eReal',
  'eRealNegative',
  'eRealPositive',
  'eReactive',
  'eReactiveNegative',
  'eReactivePositive',
  'vRMSMin',
  'vRMSMax',
  'iRMSMin',
  'iRMSMax',
] as const;
export type MeterChannelField = (typeof METER_CHANNEL_FIELDS)[number];

export const METER_CHANNELS = 6;

/** One reading as the source document shows it: ten 6-channel arrays, `timestamp` in seconds, `duration` 300. */
export type MeterReadingBody = Record<MeterChannelField, number[]> & { timestamp: number; duration: number };

/** A validated reading on its way to Redis. */
export interface MeterReading {
  deviceId: string;
  /** The reading's own time, Unix seconds; it decides the bucket. */
  timestamp: number;
  /** The reading as stored in its bucket list: one JSON object as the device sent it. */
  json: string;
  transport: MeterTransport;
  /** preciseNow() when it arrived, for publish → written latency. */
  receivedAt: number;
  /** Published by a replay kept apart from live data: written under the replay key prefix. */
  replay?: boolean;
}

export type MeterTransport = 'udp' | 'mqtt';
