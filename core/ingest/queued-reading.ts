import type { ThermostatReading } from '../model/thermostat-reading.js';

export interface QueuedReading extends ThermostatReading {
  /** preciseNow() when the broker handed the message to ingest; the start of publish→written latency. */
  receivedAt: number;
  /** Published by a replay kept apart from live data: written under the replay key prefix. */
  replay?: boolean;
}
