import type { ClientApiAccess, ClientApiBackend } from '../server/client-api-backend.js';
import { climateCounters } from '../query/climate-counters.js';
import { EnergyQuery } from '../query/energy-query.js';
import { listMeters, meterSummary } from '../query/meters.js';
import { deviceDetail, eventRange } from '../query/sensor-events.js';
import type { StackParts } from './stack-parts.js';

/**
 * The client API reads the workbench's own Redis (and its S3 archive), whichever connection the
 * pages show: its clients are apps, not the person at the workbench.
 */
export function clientApiBackend({ redis, keys, config, energyArchive }: Pick<StackParts, 'redis' | 'keys' | 'config' | 'energyArchive'>, access: ClientApiAccess): ClientApiBackend {
  const energy = new EnergyQuery({ redis, keys, bucketSeconds: config.energy.bucketSeconds, s3: energyArchive });
  return {
    access,
    meters: (limit) => listMeters(redis, keys, limit),
    meter: (deviceId) => meterSummary(redis, keys, deviceId),
    energySeries: (deviceId, from, to, interval) => energy.series(deviceId, from, to, interval),
    energyReadings: (deviceId, from, to, limit) => energy.readings(deviceId, from, to, limit),
    thermostat: async (deviceId) => {
      const { fields } = await deviceDetail(redis, keys, deviceId);
      return { deviceId, fields };
    },
    events: async (fromSeconds, toSeconds, limit) => {
      // SensorData scores are ms: the whole `to` second is in the range.
      const { events, truncated } = await eventRange(redis, keys, fromSeconds * 1000, toSeconds * 1000 + 999, limit);
      return { events, truncated };
    },
    climate: () => climateCounters(redis, keys),
  };
}
