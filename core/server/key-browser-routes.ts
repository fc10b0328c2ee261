import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { KeyDetail, KeyPage } from './contract.js';
import { dbSize, InvalidKeyPage, KEY_TYPES, keyDetail, scanKeys } from '../query/key-browser.js';
import { BadRequest, parseRequest } from './request-validation.js';

const scanCursor = z.string().regex(/^\d{1,20}$/, { message: 'is not a scan cursor' });
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
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** The key browser over whichever Redis the stack is connected to; read-only by construction. */
export function registerKeyBrowserRoutes(app: FastifyInstance, redis: Redis): void {
  app.get('/api/keys', async (request): Promise<KeyPage> => {
    const { cursor, match, type, count, maxExamined } = parseRequest(keysQuery, request.query);
    const [scan, totalKeys] = await Promise.all([scanKeys(redis, { cursor, match: match ?? null, type: type ?? null, count, maxExamined }), dbSize(redis)]);
    return { ...scan, totalKeys };
  });
  app.get('/api/keys/detail', async (request) => {
    const { key, offset, limit } = parseRequest(detailQuery, request.query);
    return pageAsBadRequest(() => keyDetail(redis, key, { offset: offset ?? null, limit }));
  });
}

/** Which offsets fit depends on the key's type, known only once Redis has answered TYPE. */
async function pageAsBadRequest(read: () => Promise<KeyDetail>): Promise<KeyDetail> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidKeyPage) throw new BadRequest(error.message);
    throw error;
  }
}
