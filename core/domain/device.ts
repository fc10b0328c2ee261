/** Devices: what kinds the workbench knows and how they authenticate to the broker. */

export type DeviceKind = 'thermostat' | 'meter' | 'other';

export type DeviceAuth = 'password' | 'certificate';

/** Ids that are safe as (part of) a Redis key name. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
