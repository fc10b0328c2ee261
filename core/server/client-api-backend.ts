import type { ApiKeyRecord } from '../api-access/api-key-store.js';
import type { RequestOutcome } from '../api-access/usage-counters.js';
import type { ThrottleVerdict } from '../api-access/throttle.js';
import type { ClientEvents, Thermostat } from '../api/client-api.js';
import type { EnergyReadings, EnergySeries, MeterList, MeterSummary } from '../api/energy.js';
import type { ClimateCounters } from '../api/events.js';

/** Everything the client API serves and checks; like ApiBackend, so the listener can be tested against a fake. */
export interface ClientApiBackend {
  /** API management: the key a request presents, its throttle, its usage. */
  access: ClientApiAccess;
  meters(limit: number): Promise<MeterList>;
  /** Null when no meter has that id. */
  meter(deviceId: string): Promise<MeterSummary | null>;
  energySeries(deviceId: string, fromSeconds: number, toSeconds: number, intervalSeconds: number): Promise<EnergySeries>;
  energyReadings(deviceId: string, fromSeconds: number, toSeconds: number, limit: number): Promise<EnergyReadings>;
  /** The device hash; empty fields when the device is unknown. */
  thermostat(deviceId: string): Promise<Thermostat>;
  events(fromSeconds: number, toSeconds: number, limit: number): Promise<ClientEvents>;
  climate(): Promise<ClimateCounters>;
}

export interface ClientApiAccess {
  authenticate(headers: Record<string, string | string[] | undefined>): Promise<ApiKeyRecord | null>;
  throttle(key: ApiKeyRecord): Promise<ThrottleVerdict>;
  record(outcome: Omit<RequestOutcome, 'atMs'>): void;
}
