import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ConnectionSecrets, ConnectionSettings } from '../server/contract.js';
import { connectionSettingsSchema, InvalidConnection, type StoredSecrets } from './connection-settings.js';
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
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ version: 1, connections }, null, 2) + '\n', { mode: 0o600 });
    await rename(temporary, this.file);
    this.connections = connections;
  }
}

async function readConnections(file: string): Promise<StoredConnection[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON (${(error as Error).message}); fix or remove it`, { cause: error });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}; fix or remove it`);
  }
  return parsed.data.connections as StoredConnection[];
}

function toSaved({ id, settings, secrets }: StoredConnection): SavedConnection {
  return {
    id,
    settings,
    storedSecrets: { password: secrets.password !== undefined, sentinelPassword: secrets.sentinelPassword !== undefined, tlsKey: secrets.tlsKey !== undefined },
  };
}
