import { z } from 'zod';

/** The Redis console. */

/** POST /api/console: one command line as typed into redis-cli: words, "double" or 'single' quoted arguments. */
export const consoleRequestSchema = z.strictObject({ line: z.string().max(1_000_000) });
export type ConsoleRequest = z.infer<typeof consoleRequestSchema>;

export interface ConsoleReply {
  /** The arguments as parsed, first the command name. */
  args: string[];
  /** The reply formatted as redis-cli prints it (`(integer) 3`, `1) "a"`, `(nil)`, `(error) …`). */
  output: string;
  /** True when Redis answered with an error or the workbench refused the command. */
  error: boolean;
  /** Why the workbench did not send it (read-only connection, blocking command, …); null when sent. */
  refused: string | null;
  elapsedMs: number;
}

/** GET /api/console/examples: the source documents' redis-cli queries with this connection's key names. */
export interface ConsoleExample {
  title: string;
  line: string;
}
