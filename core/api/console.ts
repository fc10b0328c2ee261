import { z } from 'zod';

/** The Redis console. */

/** POST /api/console: one command line as typed into redis-cli: words, "double" or 'single' quoted arguments. */
export const consoleRequestSchema = z.strictObject({ line: z.string().max(1_000_000) });
export type ConsoleRequest = z.infer<typeof consoleRequestSchema>;

export const consoleReplySchema = z.object({
  /** The arguments as parsed, first the command name. */
  args: z.array(z.string()),
  /** The reply formatted as redis-cli prints it (`(integer) 3`, `1) "a"`, `(nil)`, `(error) …`). */
  output: z.string(),
  /** True when Redis answered with an error or the workbench refused the command. */
  error: z.boolean(),
  /** Why the workbench did not send it (read-only connection, blocking command, …); null when sent. */
  refused: z.string().nullable(),
  elapsedMs: z.number(),
});
export type ConsoleReply = z.infer<typeof consoleReplySchema>;

/** GET /api/console/examples: the source documents' redis-cli queries with this connection's key names. */
export const consoleExampleSchema = z.object({ title: z.string(), line: z.string() });
export type ConsoleExample = z.infer<typeof consoleExampleSchema>;
