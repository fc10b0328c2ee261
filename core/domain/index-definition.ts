import { z } from 'zod';

/**
 * An index nobody foresaw (the source paper's "Unforeseen Indexes"): a SET of key names per value
 * of one hash field, or one ZSET of key names scored by a numeric field, over the hashes whose
 * names match a pattern.
 */
export const INDEX_KINDS = ['set', 'zset'] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];

/** How a field's value becomes a set's value: as it is, or an IPv4 address's /24 network (`10.1.2.0/24`). */
export const INDEX_TRANSFORMS = ['none', 'ipv4-24'] as const;
export type IndexTransform = (typeof INDEX_TRANSFORMS)[number];

export const INDEX_STATES = ['building', 'ready', 'paused', 'failed'] as const;
export type IndexState = (typeof INDEX_STATES)[number];

/** No `:`, so that no index's key names can be another's. */
export const INDEX_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const indexDefinitionSchema = z
  .strictObject({
    name: z.string().regex(INDEX_NAME, { message: 'must be 1-64 letters, digits, _ or -' }),
    /** A SCAN MATCH glob, e.g. `*` for the thermostat hashes or `backend:dev:devices:*` for the meters. */
    match: z.string().min(1).max(512),
    field: z.string().min(1).max(256),
    kind: z.enum(INDEX_KINDS),
    transform: z.enum(INDEX_TRANSFORMS).default('none'),
  })
  .refine((definition) => definition.kind === 'set' || definition.transform === 'none', {
    message: 'a zset index scores the field as a number: it takes no transform',
    path: ['transform'],
  });

export type IndexDefinition = z.output<typeof indexDefinitionSchema>;
export type IndexDefinitionInput = z.input<typeof indexDefinitionSchema>;

/** The /24 network of a dotted IPv4 address, null for anything else; the Lua scripts apply the same rule. */
export function ipv4Network24(value: string): string | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (!match || match.slice(1).some((octet) => Number(octet) > 255)) return null;
  return `${match[1]}.${match[2]}.${match[3]}.0/24`;
}

/** Decimal numbers only, as the Lua scripts accept them (no hex, no Infinity, no blanks). */
const DECIMAL = /^-?[\d.]+([eE][-+]?\d+)?$/;

/**
 * What the index holds for a hash whose field has `value` (null: no such field): the set's value,
 * the zset's score, or null for no entry. The Lua of core/model/index-persist.ts is the same rule.
 */
export function indexEntry(definition: Pick<IndexDefinition, 'kind' | 'transform'>, value: string | null): string | number | null {
  if (value === null || value === '') return null;
  if (definition.kind === 'zset') {
    const score = DECIMAL.test(value) ? Number(value) : Number.NaN;
    return Number.isFinite(score) ? score : null;
  }
  return definition.transform === 'ipv4-24' ? ipv4Network24(value) : value;
}
