import type { KeyDetail } from '../../../../core/api/keys.js';

/** A key detail that carries a page of its value. */
export type Paged = Exclude<KeyDetail, { type: 'none' } | { type: 'other' }>;

/** "Load all" of a collection stops here: beyond it a table is not something to read. */
export const LOAD_ALL_MAX_ELEMENTS = 10_000;
/** Elements per request while loading all: the API's largest page. */
export const LOAD_ALL_PAGE = 1000;
/** The API's largest string page; a longer string is read a part at a time. */
export const LOAD_ALL_MAX_STRING_BYTES = 16 * 1024 * 1024;

/** Elements (or bytes, for a string) the page on screen holds. */
export function shownCount(detail: Paged): number {
  switch (detail.type) {
    case 'string':
      return detail.value.length;
    case 'hash':
      return detail.fields.length;
    case 'zset':
    case 'set':
      return detail.members.length;
    case 'list':
      return detail.elements.length;
    case 'stream':
      return detail.entries.length;
  }
}

/**
 * The page on screen followed by the next one, as one page that ends where `next` ends. SSCAN and
 * HSCAN may return an element twice across steps; appended pages show it once.
 */
export function appendPage(shown: Paged, next: Paged): Paged {
  if (shown.type !== next.type) return next;
  const tail = { next: next.next, length: next.length, ttlMs: next.ttlMs, memoryBytes: next.memoryBytes };
  switch (shown.type) {
    case 'string':
      return { ...shown, ...tail, value: shown.value + (next as typeof shown).value, truncated: next.next !== null };
    case 'hash': {
      const seen = new Set(shown.fields.map((pair) => pair.field));
      return { ...shown, ...tail, fields: [...shown.fields, ...(next as typeof shown).fields.filter((pair) => !seen.has(pair.field))] };
    }
    case 'set': {
      const seen = new Set(shown.members);
      return { ...shown, ...tail, members: [...shown.members, ...(next as typeof shown).members.filter((member) => !seen.has(member))] };
    }
    case 'zset':
      return { ...shown, ...tail, members: [...shown.members, ...(next as typeof shown).members] };
    case 'list':
      return { ...shown, ...tail, elements: [...shown.elements, ...(next as typeof shown).elements] };
    case 'stream':
      return { ...shown, ...tail, entries: [...shown.entries, ...(next as typeof shown).entries] };
  }
}
