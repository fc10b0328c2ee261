/** The Redis value types the key browser pages through. */

/** The value types the key browser can page through and filter a scan by. */
export const KEY_TYPES = ['string', 'hash', 'zset', 'list', 'set', 'stream'] as const;
export type KeyType = (typeof KEY_TYPES)[number];
