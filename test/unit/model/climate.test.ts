import { describe, expect, it } from 'vitest';
import { classifyClimate } from '../../../core/model/climate.js';

describe('classifyClimate', () => {
  it.each([
    [-20, 'cold'],
    [1, 'cold'],
    [65, 'cold'],
    [65.1, 'cool'],
    [66, 'cool'],
    [75, 'cool'],
    [75.5, 'warm'],
    [76, 'warm'],
    [85, 'warm'],
    [85.01, 'hot'],
    [86, 'hot'],
    [110, 'hot'],
  ] as const)('%d °F is %s', (temperature, climate) => {
    expect(classifyClimate(temperature)).toBe(climate);
  });
});
