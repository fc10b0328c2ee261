export const CLIMATES = ['hot', 'warm', 'cool', 'cold'] as const;
export type Climate = (typeof CLIMATES)[number];

/** Thresholds from the source document: strictly above 85 is hot, so 85 itself is warm. */
export function classifyClimate(temperature: number): Climate {
  if (temperature > 85) return 'hot';
  if (temperature > 75) return 'warm';
  if (temperature > 65) return 'cool';
  return 'cold';
}
