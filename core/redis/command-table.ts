import type { Cluster, Redis } from 'ioredis';
import { Refused } from '../domain/errors.js';

/**
 * What Redis says about its own commands (COMMAND): the flags decide what a read-only connection
 * may send, so a new command or a module is judged by the server that runs it, not by a list kept
 * here that would go stale.
 */
export class CommandTable {
  private constructor(
    private readonly flags: Map<string, ReadonlySet<string>>,
    /** Commands with subcommands (CONFIG, CLIENT, OBJECT, …): judged per subcommand where the server lists them. */
    private readonly containers: ReadonlySet<string>,
    /** Where the table came from, for display. */
    readonly source: string,
  ) {}

  /** Parses COMMAND's reply (Redis 2.8 to 7.x layouts; subcommands from 7.0 on). */
  static fromReply(reply: unknown, source: string): CommandTable {
    if (!Array.isArray(reply)) throw new Error('COMMAND did not answer with a list of commands');
    const flags = new Map<string, ReadonlySet<string>>();
    const containers = new Set<string>();
    for (const entry of reply) {
      const parsed = parseEntry(entry);
      if (!parsed) continue;
      flags.set(parsed.name, parsed.flags);
      const subcommands = (entry as unknown[])[9];
      if (!Array.isArray(subcommands) || subcommands.length === 0) continue;
      containers.add(parsed.name);
      for (const sub of subcommands) {
        const parsedSub = parseEntry(sub);
        if (parsedSub) flags.set(parsedSub.name, parsedSub.flags);
      }
    }
    if (flags.size === 0) throw new Error('COMMAND listed no commands');
    return new CommandTable(flags, containers, source);
  }

  /** Loads the table from the server the client talks to (on a cluster, any node: they run the same build). */
  static async load(client: Redis | Cluster, source: string): Promise<CommandTable> {
    return CommandTable.fromReply(await client.call('COMMAND'), source);
  }

  /** The same flags credited to another source, e.g. when a server refuses COMMAND and another's table stands in. */
  from(source: string): CommandTable {
    return new CommandTable(this.flags, this.containers, source);
  }

  get size(): number {
    return this.flags.size;
  }

  /**
   * The command as redis-cli users name it (`CONFIG GET` for a subcommand) and its flags; null flags
   * when the server does not list it.
   */
  lookup(name: string, firstArgument: string | undefined): { display: string; flags: ReadonlySet<string> | null } {
    const command = name.toLowerCase();
    if (this.containers.has(command) && firstArgument !== undefined) {
      const sub = firstArgument.toLowerCase();
      return { display: `${command} ${sub}`.toUpperCase(), flags: this.flags.get(`${command}|${sub}`) ?? null };
    }
    return { display: command.toUpperCase(), flags: this.flags.get(command) ?? null };
  }
}

/**
 * A command's flags, plus its key specs' access flags (Redis 7) as `keys:<flag>`: EVAL and FCALL
 * carry no `write` flag, but their key specs say "RW, update" (the server cannot know what a script
 * does), while EVAL_RO's say "RO".
 */
function parseEntry(entry: unknown): { name: string; flags: ReadonlySet<string> } | null {
  if (!Array.isArray(entry)) return null;
  const [name, , entryFlags, , , , , , keySpecs] = entry as unknown[];
  if (typeof name !== 'string' || !Array.isArray(entryFlags)) return null;
  const flags = new Set(entryFlags.map((flag) => String(flag).toLowerCase()));
  if (Array.isArray(keySpecs)) {
    for (const spec of keySpecs) for (const flag of keySpecFlags(spec)) flags.add(`keys:${flag.toLowerCase()}`);
  }
  return { name: name.toLowerCase(), flags };
}

/** A key spec is a flat map: [name, value, name, value, …]. */
function keySpecFlags(spec: unknown): string[] {
  if (!Array.isArray(spec)) return [];
  const at = spec.indexOf('flags');
  const value: unknown = at >= 0 ? spec[at + 1] : undefined;
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * What marks a command as able to change data or the server: the `write` flag; `may_replicate`
 * (Redis 6 scripts); `admin` (CONFIG SET, SHUTDOWN, DEBUG, …); key specs that modify keys (RW, OW,
 * RM; update, insert, delete).
 */
const WRITE_FLAGS = ['write', 'may_replicate', 'admin', 'keys:rw', 'keys:ow', 'keys:rm', 'keys:update', 'keys:insert', 'keys:delete'] as const;

/**
 * PUBLISH and SPUBLISH change no key, and COMMAND has no flag for "delivers a message"; sending
 * one to a production channel is still a write in every sense a user means, so these two are named.
 */
const PUBLISHING = new Set(['publish', 'spublish']);

/** Why a read-only connection must not send this command; null when COMMAND flags it as harmless. */
export function readOnlyRefusal(table: CommandTable, name: string, firstArgument: string | undefined): string | null {
  const { display, flags } = table.lookup(name, firstArgument);
  if (!flags) return `${display} is not in the server's command table, so it cannot be shown to be read-only`;
  if (PUBLISHING.has(name.toLowerCase())) return `${display} delivers a message to the channel's subscribers`;
  const flag = WRITE_FLAGS.find((candidate) => flags.has(candidate));
  if (!flag) return null;
  const what = flag.startsWith('keys:') ? `its key specs say "${flag.slice(5).toUpperCase()}"` : `it is flagged "${flag}"`;
  return `${display} may write: ${what} in COMMAND INFO (flags: ${[...flags].join(', ')})`;
}

/** A command a read-only connection would not send; it never reached Redis. */
export class ReadOnlyRefusal extends Refused {}

interface SentCommand {
  name: string;
  args: unknown[];
  reject(error: Error): void;
  promise: Promise<unknown>;
}

interface QueuedPipeline {
  _queue: SentCommand[];
  exec(...args: unknown[]): Promise<unknown>;
}

/**
 * Makes the client itself refuse what the table flags as a write: every command of this client
 * passes through sendCommand, and every pipeline and transaction through exec, so no caller
 * (ingest, archive, the console, a future page) can write through it by mistake. A pipeline holding
 * one refused command is refused whole, before anything of it is sent.
 */
export function enforceReadOnly(client: Redis | Cluster, table: CommandTable, label: string): void {
  const refusal = (command: SentCommand): ReadOnlyRefusal | null => {
    const first = command.args[0];
    const reason = readOnlyRefusal(table, command.name, first === undefined ? undefined : String(first));
    return reason === null ? null : new ReadOnlyRefusal(`${label} is read-only: ${reason}`);
  };
  const target = client as unknown as {
    sendCommand(command: SentCommand, stream?: { isPipeline?: boolean }, ...rest: unknown[]): unknown;
  } & Record<'pipeline' | 'multi', (...args: unknown[]) => QueuedPipeline | Promise<unknown>>;
  const send = target.sendCommand.bind(client);
  target.sendCommand = (command, stream, ...rest) => {
    // Commands of a pipeline were judged together when it was executed.
    const refused = stream?.isPipeline ? null : refusal(command);
    if (refused === null) return send(command, stream, ...rest);
    command.reject(refused);
    return command.promise;
  };
  for (const method of ['pipeline', 'multi'] as const) {
    const create = target[method].bind(client);
    target[method] = (...args: unknown[]) => {
      const created = create(...args);
      if (created instanceof Promise) return created;
      const exec = created.exec.bind(created);
      created.exec = (...execArgs: unknown[]) => {
        const refused = created._queue.map(refusal).find((error) => error !== null);
        return refused ? Promise.reject(refused) : exec(...execArgs);
      };
      return created;
    };
  }
}
