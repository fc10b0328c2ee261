import type { z } from 'zod';
import { connectionInputSchema, connectionSettingsSchema, type ConnectionSecrets, type ConnectionSettings } from '../domain/connection.js';
import { InvalidInput } from '../domain/errors.js';

export class InvalidConnection extends InvalidInput {}

/**
 * Turns what a client sent into settings and the secret changes: fields from a pasted URL win over
 * the ones beside it, so "paste a URL" does what it says; `base` supplies what an edit leaves out.
 */
export function settingsFromInput(input: unknown, base: Partial<ConnectionSettings> = {}): { settings: ConnectionSettings; secrets: ConnectionSecrets } {
  const envelope = connectionInputSchema.safeParse(input);
  if (!envelope.success) throw invalidConnection(envelope.error);
  const { url, secrets = {}, ...fields } = envelope.data;
  const fromUrl = url === undefined ? null : parseRedisUrl(url);
  const merged = {
    ...base,
    ...fields,
    ...fromUrl?.settings,
    tls: { ...base.tls, ...(fields.tls as object | undefined), ...fromUrl?.settings.tls },
    schema: { ...base.schema, ...(fields.schema as object | undefined) },
  };
  const parsed = connectionSettingsSchema.safeParse(withoutCleared(merged));
  if (!parsed.success) throw invalidConnection(parsed.error);
  const settings = parsed.data;
  return { settings, secrets: { ...secrets, ...(fromUrl?.password !== undefined && { password: fromUrl.password }) } };
}

/** Optional settings an edit unsets by sending '' or null, which a merge with the stored ones could not otherwise express. */
function withoutCleared(settings: Record<string, unknown> & { tls: Record<string, unknown> }): Record<string, unknown> {
  const cleared = (value: unknown) => value === '' || value === null;
  const drop = (object: Record<string, unknown>, names: string[]) =>
    Object.fromEntries(Object.entries(object).filter(([name, value]) => !(names.includes(name) && cleared(value))));
  const sentinel = settings.sentinel as Record<string, unknown> | undefined;
  return {
    ...drop(settings, ['username']),
    tls: drop(settings.tls, ['ca', 'cert', 'servername']),
    ...(sentinel && { sentinel: drop(sentinel, ['username']) }),
  };
}

interface ParsedUrl {
  settings: Partial<Omit<ConnectionSettings, 'tls'>> & { tls: { enabled: boolean } };
  password?: string;
}

/** redis://[[user]:password@]host[:port][/db] and rediss://… (TLS), as redis-cli -u reads them. */
export function parseRedisUrl(text: string): ParsedUrl {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new InvalidConnection('url: is not a URL (expected redis://host:port or rediss://host:port)', 'url');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new InvalidConnection(`url: ${url.protocol}// is not redis:// or rediss://`, 'url');
  if (!url.hostname) throw new InvalidConnection('url: has no host', 'url');
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new InvalidConnection(`url: "/${db}" is not a database number`, 'url');
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return {
    settings: {
      kind: 'standalone',
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : 6379,
      ...(username && { username }),
      ...(db !== '' && { db: Number(db) }),
      tls: { enabled: url.protocol === 'rediss:' },
    },
    ...(password && { password }),
  };
}

function invalidConnection(error: z.ZodError): InvalidConnection {
  const issue = error.issues[0]!;
  const field = issue.path.join('.') || 'connection';
  return new InvalidConnection(`${field}: ${issue.message}`, field);
}
