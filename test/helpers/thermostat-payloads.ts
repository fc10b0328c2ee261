/** A reading as a device publishes it on temp_readings (the source document's shape, plus an optional clock). */
export interface DevicePayload {
  deviceId: number | string;
  temperature: number;
  humidity: number;
  deviceIP: string;
  timestamp?: number;
}

let sequence = 0;

/** A valid reading; fields can be overridden. Each call gets its own IP so readings are distinguishable. */
export function devicePayload(overrides: Partial<DevicePayload> = {}): DevicePayload {
  sequence += 1;
  return {
    deviceId: 1,
    temperature: 70,
    humidity: 40,
    deviceIP: `10.${(sequence >> 16) & 255}.${(sequence >> 8) & 255}.${sequence & 255}`,
    ...overrides,
  };
}
