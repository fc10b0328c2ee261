import { ReplyError } from 'ioredis';
import type { ConnectedRedis } from '../connections/connection-manager.js';
import { readOnlyRefusal, ReadOnlyRefusal } from '../redis/command-table.js';
import type { ConsoleReply } from '../api/console.js';
import { argumentsAsText, CommandLineError, parseCommandLine } from './command-line.js';
import { formatError, formatReply, type ConsoleValue } from './reply-format.js';

/**
 * Commands that would change the state of the client every page shares (a subscribed or
 * transaction-mode connection can serve nothing else), or that stall a production server: these are
 * about the console's situation, not about read or write, so they are named here rather than
 * decided from COMMAND flags.
 */
const NOT_IN_CONSOLE: Record<string, string> = {
  subscribe: 'turns the shared connection into a subscriber; watch the Warnings page instead',
  psubscribe: 'turns the shared connection into a subscriber',
  ssubscribe: 'turns the shared connection into a subscriber',
  monitor: 'turns the shared connection into a monitor stream',
  multi: 'transactions would hold the connection the pages share',
  exec: 'transactions would hold the connection the pages share',
  watch: 'transactions would hold the connection the pages share',
  select: 'changes the database under every page; set the db in the connection instead',
  auth: 'changes the user of every page; set it in the connection instead',
  hello: 'changes the protocol of the shared connection',
  reset: 'resets the connection every page shares',
  quit: 'closes the connection every page shares',
  keys: 'blocks the server while it walks the whole keyspace; use the Keys page, which pages with SCAN',
};

/** The console's output stops here; a reply bigger than this is rarely read and would freeze the page. */
const MAX_OUTPUT_CHARS = 1_000_000;

/** Runs one redis-cli line on the active connection, refused before sending when it may not be sent there. */
export async function runConsoleLine(target: Pick<ConnectedRedis, 'client' | 'commands' | 'connection'>, line: string): Promise<ConsoleReply> {
  const started = performance.now();
  const answer = (fields: Omit<ConsoleReply, 'elapsedMs'>): ConsoleReply => ({ ...fields, elapsedMs: Math.round((performance.now() - started) * 10) / 10 });
  let args: Buffer[];
  try {
    args = parseCommandLine(line);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    return answer({ args: [], output: `Invalid argument(s): ${error.message}`, error: true, refused: error.message });
  }
  const text = argumentsAsText(args);
  const [name, first] = text;
  if (name === undefined) return answer({ args: text, output: '', error: false, refused: null });
  const refused = refusal(target, name, first);
  if (refused) return answer({ args: text, output: `(refused) ${refused}`, error: true, refused });
  try {
    // Upper case: ioredis looks its reply transformers (HGETALL → object, …) up by the lower-case
    // name only, and the console shows the reply as Redis sent it. Cluster routing ignores case.
    const reply = (await target.client.callBuffer(name.toUpperCase(), ...args.slice(1))) as ConsoleValue;
    return answer({ args: text, output: capped(formatReply(reply, name)), error: false, refused: null });
  } catch (error) {
    if (error instanceof ReadOnlyRefusal) return answer({ args: text, output: `(refused) ${error.message}`, error: true, refused: error.message });
    if (error instanceof ReplyError) return answer({ args: text, output: formatError((error as Error).message), error: true, refused: null });
    throw error;
  }
}

function refusal({ commands, connection }: Pick<ConnectedRedis, 'commands' | 'connection'>, name: string, first: string | undefined): string | null {
  const reason = NOT_IN_CONSOLE[name.toLowerCase()];
  if (reason) return `${name.toUpperCase()} is not run from the console: it ${reason}`;
  const { flags, display } = commands.lookup(name, first);
  if (flags?.has('blocking')) return `${display} can block the connection every page shares; use its non-blocking form`;
  if (!connection.readOnly) return null;
  const readOnly = readOnlyRefusal(commands, name, first);
  return readOnly && `${connection.name} is read-only: ${readOnly}`;
}

function capped(output: string): string {
  if (output.length <= MAX_OUTPUT_CHARS) return output;
  const shown = output.slice(0, output.lastIndexOf('\n', MAX_OUTPUT_CHARS));
  const hidden = output.slice(shown.length).split('\n').length - 1;
  return `${shown}\n(output cut here: ${hidden.toLocaleString('en-US')} more lines; ask for a smaller range)`;
}
