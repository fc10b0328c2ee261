import type { Redis } from 'ioredis';
import { createKeySchema, type KeySchema } from '../model/keys.js';
import { CommandTable, enforceReadOnly } from '../redis/command-table.js';
import { openTarget, type RedisClient, type RedisTarget } from '../redis/redis-target.js';
import type { ActiveConnection, ConnectionInput, ConnectionList, ConnectionView } from '../api/connections.js';
import type { ConnectionSettings } from '../domain/connection.js';
import { describeAddress, type StoredSecrets } from '../domain/connection.js';
import { NotFound } from '../domain/errors.js';
import { REPLAY_VIEW_ID } from '../domain/replay.js';
import { InvalidConnection, settingsFromInput } from './connection-settings.js';
import type { ConnectionStore, SavedConnection } from './connection-store.js';

/** The id of the workbench's own Redis in the connection list. */
export const BUILT_IN_ID = 'workbench';

/**
 * REPLAY_VIEW_ID is the workbench's own Redis again, read through the replay key prefix: the
 * pages show what a replay kept apart from live data wrote, as they show live data on BUILT_IN_ID.
 */
export { REPLAY_VIEW_ID };

/** An open connection with everything the pages need to read from it. */
export interface ConnectedRedis {
  connection: ActiveConnection;
  client: RedisClient;
  masters(): Redis[];
  keys: KeySchema;
  /** COMMAND's flags, which decide what a read-only connection may send. */
  commands: CommandTable;
  /** A second client for SUBSCRIBE, which a subscribed connection can do nothing but. */
  subscriber(): RedisClient;
  close(): Promise<void>;
}

export interface BuiltInConnection {
  settings: ConnectionSettings;
  /** The password in --redis-url, if any: the only secret of the built-in entry, never stored. */
  secrets: StoredSecrets;
  /** The workbench's own client: shared with ingest and the archiver, so never closed here. */
  client: Redis;
  /** The same Redis with the replay keys' schema, listed as REPLAY_VIEW_ID; absent: not listed. */
  replayView?: ConnectionSettings;
}

/**
 * The connection list (the workbench's own Redis plus the saved ones) and how to open each one,
 * read-only enforced on the client itself before anyone gets hold of it.
 */
export class ConnectionManager {
  private constructor(
    private readonly store: ConnectionStore,
    private readonly builtIn: BuiltInConnection,
    /** The workbench's own server's table, for servers that refuse COMMAND (e.g. an ACL user with +@read only). */
    private readonly fallbackCommands: CommandTable,
  ) {}

  static async create(store: ConnectionStore, builtIn: BuiltInConnection): Promise<ConnectionManager> {
    const fallback = await CommandTable.load(builtIn.client, 'the workbench\'s own Redis');
    // --read-only holds for the workbench's own client too, whoever uses it.
    if (builtIn.settings.readOnly) enforceReadOnly(builtIn.client, fallback, builtIn.settings.name);
    return new ConnectionManager(store, builtIn, fallback);
  }

  list(activeId: string): ConnectionList {
    return {
      connections: [this.builtInView(), ...this.replayViewEntry(), ...this.store.list().map(toView)],
      activeId,
      secretStorage: this.store.secretStorage,
    };
  }

  async add(input: unknown): Promise<ConnectionView> {
    const { settings, secrets } = settingsFromInput(input);
    this.refuseSecretsWithoutStorage(secrets);
    return toView(await this.store.add(settings, secrets));
  }

  async update(id: string, input: unknown): Promise<ConnectionView> {
    const saved = this.saved(id);
    const { settings, secrets } = settingsFromInput(input, saved.settings);
    this.refuseSecretsWithoutStorage(secrets);
    return toView(await this.store.update(id, settings, secrets));
  }

  async remove(id: string): Promise<void> {
    this.saved(id);
    await this.store.remove(id);
  }

  /**
   * Settings and secrets to connect with: a saved connection's, or unsaved input (for "test before
   * saving"), which with `id` is an edit of that connection: what it leaves out, secrets included,
   * comes from what is stored.
   */
  resolve(source: { id: string } | { input: ConnectionInput; id?: string }): { settings: ConnectionSettings; secrets: StoredSecrets } {
    if ('input' in source) {
      const saved = source.id === undefined ? null : this.saved(source.id);
      const { settings, secrets } = settingsFromInput(source.input, saved?.settings);
      const stored = saved ? this.store.secretsOf(saved.id) : {};
      return { settings, secrets: applySecretChanges(stored, secrets) };
    }
    if (source.id === BUILT_IN_ID) return { settings: this.builtIn.settings, secrets: this.builtIn.secrets };
    if (source.id === REPLAY_VIEW_ID && this.builtIn.replayView) return { settings: this.builtIn.replayView, secrets: this.builtIn.secrets };
    return { settings: this.saved(source.id).settings, secrets: this.store.secretsOf(source.id) };
  }

  /** Opens a connection for the pages; the built-in one reuses the workbench's own client. */
  async open(id: string): Promise<ConnectedRedis> {
    if (id === BUILT_IN_ID) return this.openBuiltIn(BUILT_IN_ID, this.builtIn.settings);
    if (id === REPLAY_VIEW_ID && this.builtIn.replayView) return this.openBuiltIn(REPLAY_VIEW_ID, this.builtIn.replayView);
    const { settings, secrets } = this.resolve({ id });
    const target = await openTarget(settings, secrets, { connectionName: 'sensor-workbench:inspect' });
    try {
      const commands = await this.commandTable(target.client, settings.name);
      if (settings.readOnly) enforceReadOnly(target.client, commands, settings.name);
      return connected(id, settings, target, commands);
    } catch (error) {
      await target.close();
      throw error;
    }
  }

  /** The server's own table, or the workbench's when COMMAND is refused (said so in `commandTable`). */
  async commandTable(client: RedisClient, name: string): Promise<CommandTable> {
    try {
      return await CommandTable.load(client, name);
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      return this.fallbackCommands.from(`the workbench's own Redis (${name} refused COMMAND: ${reason})`);
    }
  }

  private openBuiltIn(id: string, settings: ConnectionSettings): ConnectedRedis {
    const { client } = this.builtIn;
    const target: RedisTarget = { client, masters: () => [client], close: async () => undefined };
    return connected(id, settings, target, this.fallbackCommands);
  }

  private builtInView(): ConnectionView {
    return { id: BUILT_IN_ID, builtIn: true, ...this.builtIn.settings, storedSecrets: { password: false, sentinelPassword: false, tlsKey: false } };
  }

  /** Not editable either: its names follow from the flags (--replay-key-prefix, --key-prefix, --namespace). */
  private replayViewEntry(): ConnectionView[] {
    const settings = this.builtIn.replayView;
    return settings ? [{ id: REPLAY_VIEW_ID, builtIn: true, ...settings, storedSecrets: { password: false, sentinelPassword: false, tlsKey: false } }] : [];
  }

  private saved(id: string): SavedConnection {
    if (id === BUILT_IN_ID) throw new InvalidConnection('the workbench\'s own Redis is set by its flags (--redis-url, --read-only), not here');
    if (id === REPLAY_VIEW_ID) throw new InvalidConnection('the workbench\'s replay keys are named by its flags (--replay-key-prefix), not here');
    const saved = this.store.get(id);
    if (!saved) throw new ConnectionNotFound(`no saved connection ${id}`);
    return saved;
  }

  private refuseSecretsWithoutStorage(secrets: { password?: string | null; sentinelPassword?: string | null; tlsKey?: string | null }): void {
    const setting = Object.values(secrets).some((value) => typeof value === 'string');
    if (setting && !this.store.secretStorage.available) throw new InvalidConnection(`secrets cannot be stored: ${this.store.secretStorage.detail}`, 'secrets');
  }
}

export class ConnectionNotFound extends NotFound {}

function connected(id: string, settings: ConnectionSettings, target: RedisTarget, commands: CommandTable): ConnectedRedis {
  return {
    connection: {
      id,
      name: settings.name,
      kind: settings.kind,
      address: describeAddress(settings),
      builtIn: id === BUILT_IN_ID,
      readOnly: settings.readOnly,
      commandTable: commands.source,
      limitations: [],
    },
    client: target.client,
    masters: () => target.masters(),
    keys: createKeySchema(settings.schema),
    commands,
    subscriber: () => target.client.duplicate(),
    close: () => target.close(),
  };
}

function toView({ id, settings, storedSecrets }: SavedConnection): ConnectionView {
  return { id, builtIn: false, ...settings, storedSecrets };
}

/** A string sets a secret, null clears it, absent keeps it: as the store applies them on save. */
function applySecretChanges(stored: StoredSecrets, changes: { password?: string | null; sentinelPassword?: string | null; tlsKey?: string | null }): StoredSecrets {
  const next: Record<string, string> = { ...stored };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else if (value !== undefined) next[name] = value;
  }
  return next as StoredSecrets;
}
