import { z } from 'zod';

/** Devices: what kinds the workbench knows and how they authenticate to the broker. */

export const DEVICE_KINDS = ['thermostat', 'meter', 'other'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const DEVICE_AUTH_METHODS = ['password', 'certificate'] as const;
export type DeviceAuth = (typeof DEVICE_AUTH_METHODS)[number];

/** Ids that are safe as (part of) a Redis key name. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export const deviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, { message: 'a device id is 1 to 64 letters, digits, "_", "." or "-"' });
