import type { Climate } from './climate.js';

/** A validated thermostat reading as persisted: the device's fields plus what ingest adds. */
export interface ThermostatReading {
  deviceId: string;
  temperature: number;
  humidity: number;
  deviceIP: string;
  climate: Climate;
  /** ms since epoch: the device's own clock if it sent one, else arrival at the broker. */
  timestamp: number;
  requestId: string;
}
