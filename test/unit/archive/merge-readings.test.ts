import { describe, expect, it } from 'vitest';
import { mergeReadings } from '../../../core/archive/merge-readings.js';

const reading = (timestamp: number, value = 1) => JSON.stringify({ eReal: [value], timestamp, duration: 300 });

describe('mergeReadings', () => {
  it('keeps every archived reading in order and appends the new ones', () => {
    const archived = [reading(300), reading(0), reading(600)];

    expect(mergeReadings(archived, [reading(900), reading(1200)])).toEqual([...archived, reading(900), reading(1200)]);
  });

  it('skips list readings whose timestamp is already archived, even when their text differs', () => {
    const archived = [reading(0), reading(300)];

    expect(mergeReadings(archived, [reading(300, 2), reading(600), reading(600)])).toEqual([...archived, reading(600)]);
  });

  it('keeps lines without a timestamp once, identified by their text', () => {
    expect(mergeReadings(['not json', reading(0)], ['not json', '{"other":1}', '{"other":1}'])).toEqual(['not json', reading(0), '{"other":1}']);
  });

  it('returns the list readings as they are when nothing was archived', () => {
    expect(mergeReadings([], [reading(0), reading(300)])).toEqual([reading(0), reading(300)]);
  });
});
