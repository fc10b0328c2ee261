/** Where a bucket's meter readings are kept. */

/** Where a bucket's readings came from; 'both' while a bucket is being archived or got late readings. */
export const ENERGY_SOURCES = ['redis', 's3', 'both', 'none'] as const;
export type EnergySource = (typeof ENERGY_SOURCES)[number];
