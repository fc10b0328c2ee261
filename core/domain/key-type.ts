/** The Redis value types the key browser pages through. */

/** The value types the key browser can page through and filter a scan by. */
export type KeyType = 'string' | 'hash' | 'zset' | 'list' | 'set' | 'stream';
