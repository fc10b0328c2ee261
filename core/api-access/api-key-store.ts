import type { ApiKeyCreate, ApiKeyUpdate, ApiKeyView } from '../api/api-keys.js';
import type { KeySchema } from '../model/keys.js';
import type { RedisClient } from '../redis/redis-target.js';
import { issueKey } from './api-key-secret.js';

/** A key as the API process checks it: the view plus the hash of its secret. */
export interface ApiKeyRecord extends ApiKeyView {
  secretHash: string;
}

/** The `scope` field of the key hash: `*` for every device, else the device ids joined by commas (ids never hold one). */
const ALL_DEVICES = '*';

/**
 * API keys as the source paper's objects and indexes: the hash `<ns>:apiKeys:<keyId>`, the index
 * set `<ns>:apiKeys`, and for a scoped key `<ns>:devices:<deviceId>:clients` per device. No command
 * spans two keys, so it works on a cluster too; the order of the writes makes an interrupted one
 * harmless: the hash, which is what makes a key valid, is written last and deleted first.
 */
export class ApiKeyStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySchema,
  ) {}

  async create(input: ApiKeyCreate, now = Date.now()): Promise<{ key: string; record: ApiKeyRecord }> {
    const { keyId, key, secretHash } = issueKey();
    const record: ApiKeyRecord = { id: keyId, name: input.name, created: now, limitPer5s: input.limitPer5s, devices: input.devices ? [...new Set(input.devices)] : null, secretHash };
    await this.addToDeviceIndexes(keyId, record.devices);
    await this.redis.sadd(this.keys.apiKeys, keyId);
    await this.redis.hset(this.keys.apiKey(keyId), toHash(record));
    return { key, record };
  }

  async get(keyId: string): Promise<ApiKeyRecord | null> {
    return fromHash(keyId, await this.redis.hgetall(this.keys.apiKey(keyId)));
  }

  /** Every key of the index, oldest first; ids whose hash is gone are left out. */
  async list(): Promise<ApiKeyRecord[]> {
    const ids = await this.redis.smembers(this.keys.apiKeys);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((record) => record !== null).sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
  }

  /** The changed key, or null when there is none by that id. */
  async update(keyId: string, change: ApiKeyUpdate): Promise<ApiKeyRecord | null> {
    const current = await this.get(keyId);
    if (!current) return null;
    const devices = change.devices === undefined ? current.devices : change.devices && [...new Set(change.devices)];
    const next: ApiKeyRecord = { ...current, ...(change.name !== undefined && { name: change.name }), ...(change.limitPer5s !== undefined && { limitPer5s: change.limitPer5s }), devices };
    await this.addToDeviceIndexes(keyId, devices);
    await this.redis.hset(this.keys.apiKey(keyId), toHash(next));
    const dropped = (current.devices ?? []).filter((id) => !devices?.includes(id));
    await Promise.all(dropped.map((deviceId) => this.redis.srem(this.keys.deviceClients(deviceId), keyId)));
    return next;
  }

  /** False when there was no such key. */
  async revoke(keyId: string): Promise<boolean> {
    const current = await this.get(keyId);
    if (!current) return false;
    await this.redis.del(this.keys.apiKey(keyId));
    await this.redis.srem(this.keys.apiKeys, keyId);
    await Promise.all((current.devices ?? []).map((deviceId) => this.redis.srem(this.keys.deviceClients(deviceId), keyId)));
    return true;
  }

  private async addToDeviceIndexes(keyId: string, devices: string[] | null): Promise<void> {
    await Promise.all((devices ?? []).map((deviceId) => this.redis.sadd(this.keys.deviceClients(deviceId), keyId)));
  }
}

export function viewOf({ secretHash: _secretHash, ...view }: ApiKeyRecord): ApiKeyView {
  return view;
}

function toHash(record: ApiKeyRecord): Record<string, string> {
  return {
    name: record.name,
    created: String(record.created),
    limit: String(record.limitPer5s),
    scope: record.devices ? record.devices.join(',') : ALL_DEVICES,
    secretHash: record.secretHash,
  };
}

/** Null for a missing hash or one that is not a key object (written by hand, or by another version). */
function fromHash(keyId: string, fields: Record<string, string>): ApiKeyRecord | null {
  const created = Number(fields.created);
  const limitPer5s = Number(fields.limit);
  const { name, scope, secretHash } = fields;
  if (name === undefined || scope === undefined || secretHash === undefined || !Number.isFinite(created) || !Number.isSafeInteger(limitPer5s) || limitPer5s < 1) return null;
  return { id: keyId, name, created, limitPer5s, devices: scope === ALL_DEVICES ? null : scope.split(','), secretHash };
}
