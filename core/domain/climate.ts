/** The source document's four climate bands, counted in climate:<name>. */

export const CLIMATE_NAMES = ['hot', 'warm', 'cool', 'cold'] as const;
export type ClimateName = (typeof CLIMATE_NAMES)[number];
