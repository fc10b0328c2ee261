/** The source document's four climate bands, counted in climate:<name>. */

export type ClimateName = 'hot' | 'warm' | 'cool' | 'cold';
