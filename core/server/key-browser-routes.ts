import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { KeyDetail, KeyPage } from '../api/keys.js';
import type { Inspection } from '../connections/inspection.js';
import { dbSize, InvalidKeyPage, InvalidScanCursor, KEY_TYPES, keyDetail, MAX_STRING_PAGE_BYTES, scanKeys } from '../query/key-browser.js';
import { BadRequest, parseRequest } from './request-validation.js';

/** A SCAN cursor, prefixed with the master's index on a cluster. */
const scanCursor = z.string().regex(/^(\d{1,4}:)?\d{1,20}$/, { message: 'is not a scan cursor' });
const keysQuery = z.object({
  cursor: scanCursor.default('0'),
  match: z.string().min(1).max(1024).optional(),
  type: z.enum(KEY_TYPES).optional(),
  count: z.coerce.number().int().min(1).max(1000).default(100),
  maxExamined: z.coerce.number().int().min(1).max(100_000).default(10_000),
});
// The key rides in the query string, not the path, so names with '/', '?' or '%' need no routing rules.
const detailQuery = z.object({
  key: z.string(),
  offset: z
    .string()
    .regex(/^\d{1,20}(-\d{1,20})?$/, { message: 'is not a position, cursor or stream entry id' })
    .optional(),
  // Strings page by bytes and may ask for the rest at once ("load all"); keyDetail holds collections to their own cap.
  limit: z.coerce.number().int().min(1).max(MAX_STRING_PAGE_BYTES).default(100),
});

/** The key browser over the active connection (every master of a cluster); read-only by construction. */
export function registerKeyBrowserRoutes(app: FastifyInstance, active: () => Inspection): void {
  app.get('/api/keys', async (request): Promise<KeyPage> => {
    const { cursor, match, type, count, maxExamined } = parseRequest(keysQuery, request.query);
    const target = active();
    return pageAsBadRequest(async () => {
      const [scan, totalKeys] = await Promise.all([scanKeys(target, { cursor, match: match ?? null, type: type ?? null, count, maxExamined }), dbSize(target)]);
      return { ...scan, totalKeys };
    });
  });
  app.get('/api/keys/detail', async (request) => {
    const { key, offset, limit } = parseRequest(detailQuery, request.query);
    return pageAsBadRequest(() => keyDetail(active().client, key, { offset: offset ?? null, limit }));
  });
}

/** Which offsets and cursors fit depends on the key's type and the keyspace's masters, known only once Redis has answered. */
async function pageAsBadRequest<T extends KeyDetail | KeyPage>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidKeyPage || error instanceof InvalidScanCursor) throw new BadRequest(error.message);
    throw error;
  }
}
