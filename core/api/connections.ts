import { z } from 'zod';
import type { ConnectionKind, ConnectionSecrets, ConnectionSettings, ConnectionTls, SchemaMapping } from '../domain/connection.js';

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

export interface ConnectionView extends ConnectionSettings {
  id: string;
  /** The workbench's own Redis (embedded, or --redis-url): not editable, not deletable. */
  builtIn: boolean;
  /** Which secrets are stored, never their values. */
  storedSecrets: { password: boolean; sentinelPassword: boolean; tlsKey: boolean };
}

/** GET /api/connections */
export interface ConnectionList {
  connections: ConnectionView[];
  activeId: string;
  /** Whether secrets can be saved: in `serve` only with SW_SECRET_KEY set. */
  secretStorage: { available: boolean; detail: string };
}

export type ConnectionCheckStep = 'connect' | 'authenticate' | 'server' | 'commands' | 'keyspace';

/** POST /api/connections/:id/test and /api/connections/test: each step with what it found or a fix. */
export interface ConnectionCheck {
  ok: boolean;
  steps: Array<{ step: ConnectionCheckStep; ok: boolean; detail: string }>;
  elapsedMs: number;
}

/** The connection every page reads from, as StackStatus carries it. */
export interface ActiveConnection {
  id: string;
  name: string;
  kind: ConnectionKind;
  /** Where it points, without credentials. */
  address: string;
  builtIn: boolean;
  /** Enforced in core: only commands COMMAND INFO flags as read-only reach this server. */
  readOnly: boolean;
  /** Where the read-only decision's command flags came from (the server itself, or the embedded Redis when the server refuses COMMAND). */
  commandTable: string;
  /** What does not work on this connection and why, e.g. the Warnings feed when the user may not SUBSCRIBE. */
  limitations: string[];
}
