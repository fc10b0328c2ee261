import { z } from 'zod';
import { deviceIdSchema } from '../domain/device.js';
import { certificateFingerprintSchema, type DeviceAccessRecord } from './device-registry.js';
import { hashPassword, passwordMatches } from './password-hash.js';
import type { RefusalCode } from './refusals.js';
import { levelsCovered, levelsMatchTopic, topicFilterProblem, topicNameProblem } from '../domain/topic-filter.js';

/**
 * Who may connect to the broker and what each device may publish and subscribe to: the decisions
 * behind the broker's authenticate, authorizePublish and authorizeSubscribe hooks, with no broker
 * in sight. Connections always read the registry; per-message decisions use a short-lived cache of
 * each device's topic filters, so a publish costs a Map lookup and a filter match, not a Redis call.
 */

export type Refused = { ok: false; code: RefusalCode; reason: string };
/** deviceId is null for an anonymous client. */
export type AuthenticationResult = { ok: true; deviceId: string | null } | Refused;
export type AuthorizationResult = { ok: true } | Refused;

/** What a client presents when it connects. */
export interface ConnectAttempt {
  username?: string | null;
  /** aedes hands the password over as a Buffer. */
  password?: string | Buffer | null;
  /** The verified client certificate of a mutual-TLS connection: its subject CN and SHA-256 fingerprint. */
  certificate: { cn: string; fingerprint: string } | null;
  clientId: string;
}

/** The registry lookups access needs; DeviceRegistry is one. */
export interface DeviceAccessSource {
  accessRecord(id: string): Promise<DeviceAccessRecord | null>;
}

export interface DeviceAccessOptions {
  /** Whether clients without credentials may connect (and then publish and subscribe to anything). */
  allowAnonymous: boolean;
  /** How long a device's topic filters are trusted before the registry is read again. */
  cacheTtlMs?: number;
  /** The most devices whose filters are cached; the oldest entry makes room. */
  maxCachedDevices?: number;
  now?: () => number;
}

export const DEFAULT_ACCESS_CACHE_TTL_MS = 5_000;
export const DEFAULT_MAX_CACHED_DEVICES = 20_000;

const optionsSchema = z.object({
  allowAnonymous: z.boolean(),
  cacheTtlMs: z.number().int().nonnegative().default(DEFAULT_ACCESS_CACHE_TTL_MS),
  maxCachedDevices: z.number().int().positive().default(DEFAULT_MAX_CACHED_DEVICES),
  now: z.custom<() => number>((now) => typeof now === 'function', { message: 'must be a function' }).default(() => Date.now),
});

const connectAttemptSchema = z.object({
  username: z.string().nullish(),
  password: z.union([z.string(), z.instanceof(Buffer)]).nullish(),
  certificate: z.object({ cn: z.string(), fingerprint: z.string() }).nullable(),
  clientId: z.string(),
});

/** A device's topic filters, split into levels once for all the messages it sends. */
interface TopicPolicy {
  publish: string[];
  publishLevels: string[][];
  subscribe: string[];
  subscribeLevels: string[][];
}

interface CacheEntry {
  expiresAt: number;
  /** The read in flight, so that the messages arriving meanwhile wait for that one read. */
  pending: Promise<TopicPolicy | null>;
  /** The read's result once it is in: messages then get their decision without waiting on a promise. */
  settled: { policy: TopicPolicy | null } | null;
}

type Decide = (deviceId: string, policy: TopicPolicy, topic: string) => AuthorizationResult;

export class DeviceAccess {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly allowAnonymous: boolean;
  private readonly cacheTtlMs: number;
  private readonly maxCachedDevices: number;
  private readonly now: () => number;
  /** A hash to check a password against when there is no device, so a refusal takes as long either way. */
  private decoyHash: Promise<string> | null = null;

  constructor(
    private readonly source: DeviceAccessSource,
    options: DeviceAccessOptions,
  ) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`device access options: ${issue.path.join('.') || 'options'}: ${issue.message}`);
    }
    ({ allowAnonymous: this.allowAnonymous, cacheTtlMs: this.cacheTtlMs, maxCachedDevices: this.maxCachedDevices, now: this.now } = parsed.data);
  }

  /** Decides a connection: by client certificate when there is one, else by device id and password, else anonymous. */
  async authenticate(attempt: ConnectAttempt): Promise<AuthenticationResult> {
    const parsed = connectAttemptSchema.safeParse(attempt);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return refuse('invalid-input', `malformed connect attempt: ${issue.path.join('.') || 'attempt'}: ${issue.message}`);
    }
    const { username, password, certificate } = parsed.data;
    try {
      if (certificate) return await this.authenticateCertificate(certificate, username || null);
      if (username) return await this.authenticatePassword(username, password ?? null);
    } catch (error) {
      return refuse('registry-error', `device registry: ${(error as Error).message}`);
    }
    if (this.allowAnonymous) return { ok: true, deviceId: null };
    return refuse('anonymous-not-allowed', 'anonymous clients are not allowed: connect with a device id and password, or a client certificate');
  }

  /** Decides one publish; `deviceId` null is an anonymous client. */
  authorizePublish(deviceId: string | null, topic: string): Promise<AuthorizationResult> {
    const problem = typeof topic === 'string' ? topicNameProblem(topic) : 'a topic is a string';
    if (problem) return Promise.resolve(refuse('invalid-topic', `cannot publish to ${JSON.stringify(topic)}: ${problem}`));
    return this.authorize(deviceId, 'publish', topic, publishDecision);
  }

  /** Decides one subscription: its filter must lie within one of the device's subscribe filters. */
  authorizeSubscribe(deviceId: string | null, filter: string): Promise<AuthorizationResult> {
    const problem = typeof filter === 'string' ? topicFilterProblem(filter) : 'a topic filter is a string';
    if (problem) return Promise.resolve(refuse('invalid-topic', `cannot subscribe to ${JSON.stringify(filter)}: ${problem}`));
    return this.authorize(deviceId, 'subscribe', filter, subscribeDecision);
  }

  /** Drops the cached filters of one device (after it was changed or removed), or of all. */
  forget(deviceId?: string): void {
    if (deviceId === undefined) this.cache.clear();
    else this.cache.delete(deviceId);
  }

  private authorize(deviceId: string | null, action: 'publish' | 'subscribe', topic: string, decide: Decide): Promise<AuthorizationResult> {
    if (deviceId === null) {
      return Promise.resolve(this.allowAnonymous ? ALLOWED : refuse('anonymous-not-allowed', `anonymous clients may not ${action}`));
    }
    const cached = this.cache.get(deviceId);
    if (cached?.settled && cached.expiresAt > this.now()) return Promise.resolve(decideFor(deviceId, cached.settled.policy, topic, decide));
    return this.cachedPolicy(deviceId).then(
      (policy) => decideFor(deviceId, policy, topic, decide),
      (error: Error) => refuse('registry-error', `device registry: ${error.message}`),
    );
  }

  private async authenticateCertificate(certificate: { cn: string; fingerprint: string }, username: string | null): Promise<AuthenticationResult> {
    const fingerprint = certificateFingerprintSchema.safeParse(certificate.fingerprint);
    if (!fingerprint.success) return refuse('invalid-input', `the client certificate's fingerprint is malformed: ${fingerprint.error.issues[0]!.message}`);
    const deviceId = certificate.cn;
    if (!deviceIdSchema.safeParse(deviceId).success) return refuse('unknown-device', `the client certificate's CN ${JSON.stringify(deviceId)} is not a device id`);
    if (username !== null && username !== deviceId) {
      return refuse('username-mismatch', `username ${JSON.stringify(username)} does not match the client certificate's CN ${deviceId}`);
    }
    const record = await this.freshRecord(deviceId);
    if (!record) return refuse('unknown-device', `no device ${deviceId} is registered`);
    if (record.auth !== 'certificate') return refuse('wrong-auth-method', `${deviceId} is registered to authenticate with a password, not a client certificate`);
    if (record.certificateFingerprint !== fingerprint.data) {
      return refuse('certificate-mismatch', `the client certificate for ${deviceId} (SHA-256 ${fingerprint.data.slice(0, 16)}…) is not the one registered`);
    }
    return { ok: true, deviceId };
  }

  private async authenticatePassword(username: string, password: string | Buffer | null): Promise<AuthenticationResult> {
    if (!deviceIdSchema.safeParse(username).success) {
      await this.spendPasswordCheck(password);
      return refuse('unknown-device', `username ${JSON.stringify(username)} is not a device id`);
    }
    const record = await this.freshRecord(username);
    if (!record) {
      await this.spendPasswordCheck(password);
      return refuse('unknown-device', `no device ${username} is registered`);
    }
    if (record.auth !== 'password') {
      await this.spendPasswordCheck(password);
      return refuse('wrong-auth-method', `${username} is registered to authenticate with a client certificate, not a password`);
    }
    if (password === null || password.length === 0) return refuse('missing-password', `${username} connected without a password`);
    if (!(await record.passwordMatches(password))) return refuse('wrong-password', `wrong password for ${username}`);
    return { ok: true, deviceId: username };
  }

  /**
   * Checks the password against a decoy hash, so an unknown device id is refused no faster than a
   * wrong password and the refusal time does not tell which device ids exist.
   */
  private async spendPasswordCheck(password: string | Buffer | null): Promise<void> {
    if (password === null || password.length === 0) return;
    this.decoyHash ??= hashPassword('decoy');
    await passwordMatches(password, await this.decoyHash);
  }

  /** A connection reads the registry itself (a rotated password counts at once) and refreshes the cache. */
  private async freshRecord(deviceId: string): Promise<DeviceAccessRecord | null> {
    const record = await this.source.accessRecord(deviceId);
    const policy = record && topicPolicy(record);
    this.remember(deviceId, { expiresAt: this.now() + this.cacheTtlMs, pending: Promise.resolve(policy), settled: { policy } });
    return record;
  }

  private cachedPolicy(deviceId: string): Promise<TopicPolicy | null> {
    const cached = this.cache.get(deviceId);
    if (cached && cached.expiresAt > this.now()) return cached.pending;
    const entry: CacheEntry = {
      expiresAt: this.now() + this.cacheTtlMs,
      pending: this.source.accessRecord(deviceId).then((record) => record && topicPolicy(record)),
      settled: null,
    };
    this.remember(deviceId, entry);
    entry.pending.then(
      (policy) => (entry.settled = { policy }),
      // A failed read is not cached: the next message tries the registry again.
      () => this.cache.get(deviceId) === entry && this.cache.delete(deviceId),
    );
    return entry.pending;
  }

  private remember(deviceId: string, entry: CacheEntry): void {
    this.cache.delete(deviceId);
    if (this.cache.size >= this.maxCachedDevices) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(deviceId, entry);
  }
}

const ALLOWED: AuthorizationResult = Object.freeze({ ok: true });

function decideFor(deviceId: string, policy: TopicPolicy | null, topic: string, decide: Decide): AuthorizationResult {
  return policy ? decide(deviceId, policy, topic) : refuse('unknown-device', `${deviceId} is no longer registered`);
}

function publishDecision(deviceId: string, policy: TopicPolicy, topic: string): AuthorizationResult {
  if (policy.publishLevels.some((allowed) => levelsMatchTopic(allowed, topic))) return ALLOWED;
  const reason = policy.publish.length === 0 ? `${deviceId} may not publish` : `${deviceId} may publish only under ${policy.publish.join(', ')}`;
  return refuse('publish-not-allowed', reason);
}

function subscribeDecision(deviceId: string, policy: TopicPolicy, filter: string): AuthorizationResult {
  const levels = filter.split('/');
  if (policy.subscribeLevels.some((allowed) => levelsCovered(allowed, levels))) return ALLOWED;
  const reason = policy.subscribe.length === 0 ? `${deviceId} may not subscribe` : `${deviceId} may subscribe only within ${policy.subscribe.join(', ')}`;
  return refuse('subscribe-not-allowed', reason);
}

function refuse(code: RefusalCode, reason: string): Refused {
  return { ok: false, code, reason };
}

function topicPolicy(record: DeviceAccessRecord): TopicPolicy {
  return {
    publish: record.publish,
    publishLevels: record.publish.map((filter) => filter.split('/')),
    subscribe: record.subscribe,
    subscribeLevels: record.subscribe.map((filter) => filter.split('/')),
  };
}
