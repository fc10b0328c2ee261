import { describe, expect, it } from 'vitest';
import { filterCovered, topicFilterProblem, topicMatches, topicNameProblem } from '../../../core/domain/topic-filter.js';

describe('topicMatches', () => {
  it.each([
    ['#', 'a', true],
    ['#', 'a/b/c', true],
    ['#', '/', true],
    ['#', '$SYS/broker/uptime', false],
    ['+', '$SYS', false],
    ['+/#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['$SYS/+/uptime', '$SYS/broker/uptime', true],
    ['a/$x', 'a/$x', true],
    ['a/+', 'a/$x', true],
    ['meters/D1/#', 'meters/D1', true],
    ['meters/D1/#', 'meters/D1/energy', true],
    ['meters/D1/#', 'meters/D1/a/b/c', true],
    ['meters/D1/#', 'meters/D10/energy', false],
    ['meters/D1/#', 'meters', false],
    ['meters/+/energy', 'meters/D1/energy', true],
    ['meters/+/energy', 'meters//energy', true],
    ['meters/+/energy', 'meters/D1/x/energy', false],
    ['meters/+', 'meters/D1/energy', false],
    ['meters/+', 'meters', false],
    ['+', '/', false],
    ['+/+', '/', true],
    ['/+', '/a', true],
    ['/#', 'a', false],
    ['a', 'A', false],
    ['temp_readings', 'temp_readings', true],
    ['temp_readings', 'temp_readings/x', false],
  ])('%s matches %s: %s', (pattern, topic, expected) => {
    expect(topicMatches(pattern, topic)).toBe(expected);
  });

  it('agrees with the specification, written out level by level, on every small filter and topic', () => {
    for (const pattern of smallFilters()) {
      for (const topic of smallTopics()) expect(topicMatches(pattern, topic), `${pattern} matches ${topic}`).toBe(matchesBySpecification(pattern, topic));
    }
  });
});

/** MQTT §4.7 as written: `#` matches the parent and any levels below, `+` one level, wildcards first never match `$` topics. */
function matchesBySpecification(pattern: string, topic: string): boolean {
  const filterLevels = pattern.split('/');
  const topicLevels = topic.split('/');
  if ((filterLevels[0] === '+' || filterLevels[0] === '#') && topic.startsWith('$')) return false;
  if (filterLevels.at(-1) === '#') {
    const fixed = filterLevels.slice(0, -1);
    return topicLevels.length >= fixed.length && fixed.every((level, index) => level === '+' || level === topicLevels[index]);
  }
  return topicLevels.length === filterLevels.length && filterLevels.every((level, index) => level === '+' || level === topicLevels[index]);
}

describe('filterCovered', () => {
  it.each([
    ['meters/D1/#', 'meters/D1/#', true],
    ['meters/D1/#', 'meters/D1', true],
    ['meters/D1/#', 'meters/D1/+', true],
    ['meters/D1/#', 'meters/D1/+/x/#', true],
    ['meters/D1/#', 'meters/+/energy', false],
    ['meters/D1/#', 'meters/#', false],
    ['meters/D1/#', '#', false],
    ['meters/+/energy', 'meters/D1/energy', true],
    ['meters/+/energy', 'meters/+/energy', true],
    ['meters/+/energy', 'meters/D1/#', false],
    ['meters/+', 'meters/#', false],
    ['meters/+', 'meters', false],
    ['meters/D1/energy', 'meters/+/energy', false],
    ['#', '#', true],
    ['#', 'a/+/#', true],
    ['#', '$SYS/#', false],
    ['#', '$SYS/broker', false],
    ['+/#', '#', true],
    ['+/#', '$SYS', false],
    // `/#` also matches its parent, the empty topic, which no one can publish to.
    ['/+/#', '/#', true],
    ['a/+/#', 'a/#', false],
    ['$SYS/#', '$SYS/broker/+', true],
    ['$SYS/#', '#', false],
  ])('%s covers %s: %s', (allowed, requested, expected) => {
    expect(filterCovered(allowed, requested)).toBe(expected);
  });

  /**
   * Checked against the definition over a small universe: `allowed` covers `requested` exactly when
   * every topic `requested` matches is matched by `allowed`. Filters of up to 3 levels differ on
   * some topic of up to 4 levels built from their literals, one unseen literal and the empty level.
   */
  it('agrees with topicMatches on every pair of small filters', () => {
    const filters = smallFilters();
    const topics = smallTopics();
    let checked = 0;
    for (const allowed of filters) {
      for (const requested of filters) {
        const byDefinition = topics.every((topic) => !topicMatches(requested, topic) || topicMatches(allowed, topic));
        expect(filterCovered(allowed, requested), `${allowed} covers ${requested}`).toBe(byDefinition);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});

describe('validity', () => {
  it.each([
    ['', 'a topic may not be empty'],
    ['a/#/b', '"#" may only be the last level'],
    ['a#', '"#" must occupy a whole level'],
    ['a/b+', '"+" must occupy a whole level'],
    ['a\u0000b', 'a topic may not contain the null character'],
    [Buffer.from([0x61, 0xc3, 0x28]).toString('utf8'), 'a topic may not contain U+FFFD, what bytes that are not valid UTF-8 decode to'],
    ['x'.repeat(65_536), 'a topic may not exceed 65535 bytes'],
  ])('filter %j is refused: %s', (filter, problem) => {
    expect(topicFilterProblem(filter)).toBe(problem);
  });

  it.each(['#', '+', '/', '+/+/#', 'meters/D1/#', '$SYS/#', 'a//b'])('filter %j is valid', (filter) => {
    expect(topicFilterProblem(filter)).toBeNull();
  });

  it('refuses wildcards in a topic name', () => {
    expect(topicNameProblem('meters/+/energy')).toBe('a topic name may not contain the wildcards "+" or "#"');
    expect(topicNameProblem('meters/#')).toBe('a topic name may not contain the wildcards "+" or "#"');
    expect(topicNameProblem('meters/D1/energy')).toBeNull();
  });

  it('refuses a topic name whose bytes were not valid UTF-8, as the MQTT parser hands it over', () => {
    expect(topicNameProblem(Buffer.from([0x6d, 0xff, 0x2f, 0x31]).toString('utf8'))).toBe('a topic may not contain U+FFFD, what bytes that are not valid UTF-8 decode to');
  });
});

/** Every valid filter of up to 3 levels over a few literals (one a `$` level), the empty level and the wildcards. */
function smallFilters(): string[] {
  return allSequences(['a', '$s', '', '+', '#'], 3)
    .map((levels) => levels.join('/'))
    .filter((filter) => topicFilterProblem(filter) === null);
}

/** Every valid topic of up to 4 levels over the filters' literals, one literal they lack and the empty level. */
function smallTopics(): string[] {
  return allSequences(['a', '$s', '', 'c'], 4)
    .map((levels) => levels.join('/'))
    .filter((topic) => topicNameProblem(topic) === null);
}

function allSequences(alphabet: readonly string[], maxLength: number): string[][] {
  const sequences: string[][] = [];
  let current: string[][] = [[]];
  for (let length = 1; length <= maxLength; length += 1) {
    current = current.flatMap((prefix) => alphabet.map((level) => [...prefix, level]));
    sequences.push(...current);
  }
  return sequences;
}
