import { z } from 'zod';
import { CONNECTION_KINDS, connectionSettingsSchema, type ConnectionSecrets, type ConnectionSettings, type ConnectionTls, type SchemaMapping } from '../domain/connection.js';

/** Saved Redis connections: listing, editing, checking, activating. */

/**
 * POST /api/connections, PUT /api/connections/:id, POST /api/connections/test. With `url`
 * (redis:// or rediss://), host, port, username, password, db and TLS come from it; settings not
 * given take their defaults.
 */
export type ConnectionInput = Partial<Omit<ConnectionSettings, 'tls' | 'schema'>> & {
  url?: string;
  tls?: Partial<ConnectionTls>;
  schema?: Partial<SchemaMapping>;
  secrets?: ConnectionSecrets;
};

const connectionId = z.string().min(1).max(100);
export const connectionIdParams = z.object({ id: connectionId });
/** With `id`, the settings tested are an edit of that saved connection: the secrets they leave out are the stored ones. */
export const connectionTestQuery = z.object({ id: connectionId.optional() });

export const connectionViewSchema = connectionSettingsSchema.safeExtend({
  id: z.string(),
  /** The workbench's own Redis (embedded, or --redis-url): not editable, not deletable. */
  builtIn: z.boolean(),
  /** Which secrets are stored, never their values. */
  storedSecrets: z.object({ password: z.boolean(), sentinelPassword: z.boolean(), tlsKey: z.boolean() }),
});
export type ConnectionView = z.output<typeof connectionViewSchema>;

/** GET /api/connections */
export const connectionListSchema = z.object({
  connections: z.array(connectionViewSchema),
  activeId: z.string(),
  /** Whether secrets can be saved: in `serve` only with SW_SECRET_KEY set. */
  secretStorage: z.object({ available: z.boolean(), detail: z.string() }),
});
export type ConnectionList = z.output<typeof connectionListSchema>;

export const CONNECTION_CHECK_STEPS = ['connect', 'authenticate', 'server', 'commands', 'keyspace'] as const;
export type ConnectionCheckStep = (typeof CONNECTION_CHECK_STEPS)[number];

/** POST /api/connections/:id/test and /api/connections/test: each step with what it found or a fix. */
export const connectionCheckSchema = z.object({
  ok: z.boolean(),
  steps: z.array(z.object({ step: z.enum(CONNECTION_CHECK_STEPS), ok: z.boolean(), detail: z.string() })),
  elapsedMs: z.number(),
});
export type ConnectionCheck = z.infer<typeof connectionCheckSchema>;

/** The connection every page reads from, as StackStatus carries it. */
export const activeConnectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(CONNECTION_KINDS),
  /** Where it points, without credentials. */
  address: z.string(),
  builtIn: z.boolean(),
  /** Enforced in core: only commands COMMAND INFO flags as read-only reach this server. */
  readOnly: z.boolean(),
  /** Where the read-only decision's command flags came from (the server itself, or the embedded Redis when the server refuses COMMAND). */
  commandTable: z.string(),
  /** What does not work on this connection and why, e.g. the Warnings feed when the user may not SUBSCRIBE. */
  limitations: z.array(z.string()),
});
export type ActiveConnection = z.infer<typeof activeConnectionSchema>;
