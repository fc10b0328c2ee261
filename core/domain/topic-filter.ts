/**
 * MQTT topic names and topic filters (MQTT 3.1.1 §4.7, MQTT 5 §4.7): levels separated by `/`,
 * `+` matching exactly one level, `#` matching the parent level and any number of levels below,
 * and topics starting with `$` (`$SYS/…`) not matched by a filter whose first level is a wildcard.
 */

/** MQTT caps a topic at 65,535 bytes of UTF-8. */
const MAX_TOPIC_BYTES = 65_535;

/** Why `filter` is not a valid topic filter, or null when it is. */
export function topicFilterProblem(filter: string): string | null {
  const common = commonProblem(filter);
  if (common) return common;
  const levels = filter.split('/');
  for (const [index, level] of levels.entries()) {
    if (level === '#' && index !== levels.length - 1) return '"#" may only be the last level';
    if (level !== '#' && level.includes('#')) return '"#" must occupy a whole level';
    if (level !== '+' && level.includes('+')) return '"+" must occupy a whole level';
  }
  return null;
}

/** Why `topic` may not be published to, or null when it may. */
export function topicNameProblem(topic: string): string | null {
  const common = commonProblem(topic);
  if (common) return common;
  if (topic.includes('+') || topic.includes('#')) return 'a topic name may not contain the wildcards "+" or "#"';
  return null;
}

function commonProblem(topic: string): string | null {
  if (topic.length === 0) return 'a topic may not be empty';
  if (topic.includes('\u0000')) return 'a topic may not contain the null character';
  // MQTT requires well-formed UTF-8, but the packet parser decodes bad bytes to U+FFFD rather than refusing them.
  if (topic.includes('\ufffd')) return 'a topic may not contain U+FFFD, what bytes that are not valid UTF-8 decode to';
  // A UTF-16 unit is at most 3 bytes of UTF-8: only a long topic needs counting.
  if (topic.length * 3 > MAX_TOPIC_BYTES && Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) return `a topic may not exceed ${MAX_TOPIC_BYTES} bytes`;
  return null;
}

/** Whether the topic filter `pattern` matches the topic name `topic`; both assumed valid. */
export function topicMatches(pattern: string, topic: string): boolean {
  return levelsMatchTopic(pattern.split('/'), topic);
}

/**
 * topicMatches for a filter already split into levels, as a device's filters are once for all its
 * messages. The topic is walked in place rather than split: this runs for every message published.
 */
export function levelsMatchTopic(pattern: readonly string[], topic: string): boolean {
  if (isWildcard(pattern[0]!) && topic.startsWith('$')) return false;
  // The current topic level is topic[start, end); start past the end means the levels ran out.
  let start = 0;
  for (const level of pattern) {
    // `#` also matches the parent: `meters/D1/#` matches `meters/D1`.
    if (level === '#') return true;
    if (start > topic.length) return false;
    const slash = topic.indexOf('/', start);
    const end = slash === -1 ? topic.length : slash;
    if (level !== '+' && (end - start !== level.length || !topic.startsWith(level, start))) return false;
    start = end + 1;
  }
  return start > topic.length;
}

/**
 * Whether every topic the filter `requested` can match is also matched by `allowed`, i.e. a
 * subscription to `requested` can only ever deliver topics `allowed` grants. Both assumed valid.
 */
export function filterCovered(allowed: string, requested: string): boolean {
  return levelsCovered(allowed.split('/'), requested.split('/'));
}

/** filterCovered on filters already split into levels. */
export function levelsCovered(allowed: readonly string[], requested: readonly string[]): boolean {
  // A wildcard in the first level never matches `$SYS/…`, so it cannot grant a filter that names `$SYS`.
  if (isWildcard(allowed[0]!) && requested[0]!.startsWith('$')) return false;
  for (let index = 0; index < requested.length; index += 1) {
    const wanted = requested[index]!;
    const granted = allowed[index];
    if (granted === '#') return true;
    if (granted === undefined) return false;
    if (wanted === '#') return coversEverythingFrom(allowed, requested, index);
    if (wanted === '+' && granted !== '+') return false;
    if (wanted !== '+' && granted !== '+' && granted !== wanted) return false;
  }
  // `requested` ran out of levels: only a trailing `#` (which matches its parent) grants the same topic.
  return allowed.length === requested.length || (allowed.length === requested.length + 1 && allowed[requested.length] === '#');
}

/**
 * Whether `allowed` from level `index` on matches everything the `#` there in `requested` matches.
 * That `#` also matches its parent topic (the first `index` levels), so in general only `#` itself
 * does; but where the parent would be the empty topic, which is not a valid topic name (`#`, `/#`),
 * there is no parent to match and `+/#` is equivalent.
 */
function coversEverythingFrom(allowed: readonly string[], requested: readonly string[], index: number): boolean {
  if (allowed[index] === '#') return true;
  const parentIsEmptyTopic = index === 0 || (index === 1 && requested[0] === '');
  return parentIsEmptyTopic && allowed.length === index + 2 && allowed[index] === '+' && allowed[index + 1] === '#';
}

function isWildcard(level: string): boolean {
  return level === '+' || level === '#';
}
