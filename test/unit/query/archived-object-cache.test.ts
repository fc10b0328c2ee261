import { describe, expect, it } from 'vitest';
import { ArchivedObjectCache } from '../../../core/query/archived-object-cache.js';

describe('ArchivedObjectCache', () => {
  it('evicts the least recently used objects once their bytes pass the bound', () => {
    const cache = new ArchivedObjectCache<string>(1000);
    cache.set('a', 'e1', 'A', 400);
    cache.set('b', 'e1', 'B', 400);
    expect(cache.get('a', 'e1')).toBe('A'); // a is now more recent than b
    cache.set('c', 'e1', 'C', 400);

    expect(cache.get('b', 'e1')).toBeUndefined();
    expect(cache.get('a', 'e1')).toBe('A');
    expect(cache.get('c', 'e1')).toBe('C');
    expect(cache.bytes).toBe(800);
    expect(cache.size).toBe(2);
  });

  it('evicts as many objects as it takes to fit a large one', () => {
    const cache = new ArchivedObjectCache<string>(1000);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, 'e1', key, 250);
    cache.set('big', 'e1', 'BIG', 700);

    expect(cache.size).toBe(2);
    expect(cache.get('d', 'e1')).toBe('d');
    expect(cache.get('big', 'e1')).toBe('BIG');
    expect(cache.bytes).toBe(950);
  });

  it('does not keep an object larger than the whole cache, nor drop others for it', () => {
    const cache = new ArchivedObjectCache<string>(1000);
    cache.set('a', 'e1', 'A', 600);
    cache.set('huge', 'e1', 'HUGE', 1001);

    expect(cache.get('huge', 'e1')).toBeUndefined();
    expect(cache.get('a', 'e1')).toBe('A');
    expect(cache.bytes).toBe(600);
  });

  it('never serves an object for another ETag, and a new ETag replaces the old copy', () => {
    const cache = new ArchivedObjectCache<string>(1000);
    cache.set('a', 'old', 'A1', 300);

    expect(cache.get('a', 'new')).toBeUndefined();
    expect(cache.bytes).toBe(0);

    cache.set('a', 'new', 'A2', 500);
    expect(cache.get('a', 'new')).toBe('A2');
    expect(cache.get('a', 'old')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('counts a replaced entry once', () => {
    const cache = new ArchivedObjectCache<string>(1000);
    cache.set('a', 'e1', 'A', 300);
    cache.set('a', 'e2', 'A2', 500);

    expect(cache.bytes).toBe(500);
    expect(cache.size).toBe(1);
  });
});
