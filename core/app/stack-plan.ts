import { runsEverything, type Config, type Role } from '../config/schema.js';

/** The parts a process can run besides its Redis connection, in start order. */
export const PARTS = ['embeddedRedis', 'bundledBroker', 'outsideBroker', 'mqttIngest', 'udpIngest', 'archiveSchedule', 'clientApi', 'ui', 'emulators', 'metrics'] as const;
export type Part = (typeof PARTS)[number];

/** What each role runs. `ingest` takes MQTT from --mqtt-source when given, else from a bundled broker of its own. */
const ROLE_PARTS: Record<Role, (config: Config) => Part[]> = {
  ingest: (config) => [config.mqttSource.url === undefined ? 'bundledBroker' : 'outsideBroker', 'mqttIngest'],
  udp: () => ['udpIngest'],
  api: () => ['clientApi'],
  archiver: () => ['archiveSchedule'],
  ui: () => ['ui'],
};

/** The parts that write to Redis: off in read-only mode, where the whole stack still runs its broker and its pages. */
const WRITING_PARTS: ReadonlySet<Part> = new Set(['mqttIngest', 'udpIngest', 'archiveSchedule', 'clientApi', 'emulators']);

export interface StackPlan {
  roles: Role[];
  /** The whole stack (the default `all`): today's single process. */
  everything: boolean;
  parts: ReadonlySet<Part>;
}

/**
 * Which parts this process runs: the union of its roles' parts, plus what only the whole stack has
 * (the embedded Redis, unless --redis-url) and what the settings turn on (the emulators, /metrics),
 * less the writing parts in read-only mode and the client API with --no-api.
 */
export function stackPlan(config: Config): StackPlan {
  const everything = runsEverything(config.roles);
  const wanted = new Set<Part>(config.roles.flatMap((role) => ROLE_PARTS[role](config)));
  if (everything && config.redis.url === undefined) wanted.add('embeddedRedis');
  if (config.emulator.mode !== 'none') wanted.add('emulators');
  if (config.metrics.port !== null) wanted.add('metrics');
  if (config.api.disabled) wanted.delete('clientApi');
  if (config.readOnly) for (const part of WRITING_PARTS) wanted.delete(part);
  return { roles: config.roles, everything, parts: new Set(PARTS.filter((part) => wanted.has(part))) };
}

/** Whether anything this process runs writes to Redis: then a target that would refuse every write stops the start. */
export function writesToRedis(plan: StackPlan): boolean {
  return [...plan.parts].some((part) => WRITING_PARTS.has(part));
}
