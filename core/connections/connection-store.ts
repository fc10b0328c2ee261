import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { readSettingsFile, writeSettingsFile } from '../config/settings-file.js';
import type { ConnectionSecrets, ConnectionSettings } from '../domain/connection.js';
import { connectionSettingsSchema, type StoredSecrets } from '../domain/connection.js';
import { InvalidConnection } from './connection-settings.js';
import type { SecretBox } from './secret-box.js';

const SECRET_NAMES = ['password', 'sentinelPassword', 'tlsKey'] as const;
type SecretName = (typeof SECRET_NAMES)[number];

const fileSchema = z.strictObject({
  version: z.literal(1),
  connections: z.array(
    z.strictObject({
      id: z.string().min(1),
      settings: connectionSettingsSchema,
      /** Sealed by the SecretBox; plain text never reaches the file. */
      secrets: z.partialRecord(z.enum(SECRET_NAMES), z.string()).default({}),
    }),
  ),
});
type StoredConnection = z.infer<typeof fileSchema>['connections'][number];

export interface SavedConnection {
  id: string;
  settings: ConnectionSettings;
  storedSecrets: Record<SecretName, boolean>;
}

/** The saved connections, in `<dataDir>/connections.json`, written whole and atomically on every change. */
export class ConnectionStore {
  private constructor(
    private readonly file: string,
    private readonly box: SecretBox,
    private connections: StoredConnection[],
  ) {}

  static async open(file: string, box: SecretBox): Promise<ConnectionStore> {
    return new ConnectionStore(file, box, await readConnections(file));
  }

  get secretStorage(): { available: boolean; detail: string } {
    return { available: this.box.available, detail: this.box.detail };
  }

  list(): SavedConnection[] {
    return this.connections.map(toSaved);
  }

  get(id: string): SavedConnection | null {
    const stored = this.find(id);
    return stored ? toSaved(stored) : null;
  }

  /** Decrypted, for opening the connection; never for an API answer. */
  secretsOf(id: string): StoredSecrets {
    const stored = this.find(id);
    if (!stored) throw new InvalidConnection(`no saved connection ${id}`);
    const secrets: StoredSecrets = {};
    for (const name of SECRET_NAMES) {
      const sealed = stored.secrets[name];
      if (sealed !== undefined) secrets[name] = this.box.open(sealed);
    }
    return secrets;
  }

  async add(settings: ConnectionSettings, changes: ConnectionSecrets): Promise<SavedConnection> {
    const stored: StoredConnection = { id: randomUUID(), settings, secrets: this.sealChanges({}, changes) };
    await this.save([...this.connections, stored]);
    return toSaved(stored);
  }

  async update(id: string, settings: ConnectionSettings, changes: ConnectionSecrets): Promise<SavedConnection> {
    const current = this.find(id);
    if (!current) throw new InvalidConnection(`no saved connection ${id}`);
    const stored: StoredConnection = { id, settings, secrets: this.sealChanges(current.secrets, changes) };
    await this.save(this.connections.map((connection) => (connection.id === id ? stored : connection)));
    return toSaved(stored);
  }

  async remove(id: string): Promise<void> {
    if (!this.find(id)) throw new InvalidConnection(`no saved connection ${id}`);
    await this.save(this.connections.filter((connection) => connection.id !== id));
  }

  private find(id: string): StoredConnection | undefined {
    return this.connections.find((connection) => connection.id === id);
  }

  /** A string sets a secret, null clears it, absent keeps it; nothing is stored unsealed. */
  private sealChanges(current: StoredConnection['secrets'], changes: ConnectionSecrets): StoredConnection['secrets'] {
    const next = { ...current };
    for (const name of SECRET_NAMES) {
      const change = changes[name];
      if (change === null) delete next[name];
      else if (change !== undefined) next[name] = this.box.seal(change);
    }
    return next;
  }

  private async save(connections: StoredConnection[]): Promise<void> {
    await writeSettingsFile(this.file, { version: 1, connections }, 0o600);
    this.connections = connections;
  }
}

async function readConnections(file: string): Promise<StoredConnection[]> {
  return (await readSettingsFile(file, fileSchema))?.connections ?? [];
}

function toSaved({ id, settings, secrets }: StoredConnection): SavedConnection {
  return {
    id,
    settings,
    storedSecrets: { password: secrets.password !== undefined, sentinelPassword: secrets.sentinelPassword !== undefined, tlsKey: secrets.tlsKey !== undefined },
  };
}
