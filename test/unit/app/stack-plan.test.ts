import { describe, expect, it } from 'vitest';
import { stackPlan, writesToRedis, type Part } from '../../../core/app/stack-plan.js';
import { configSchema, type ConfigInput } from '../../../core/config/schema.js';

const REDIS = { url: 'redis://127.0.0.1:6379' };
const partsOf = (input: ConfigInput): Part[] => [...stackPlan(configSchema.parse({ dataDir: '/tmp/sw-plan', ...input })).parts];

describe('stackPlan: which parts a process runs, from its roles', () => {
  it('runs the whole workstation stack by default, as before roles existed', () => {
    expect(partsOf({})).toEqual(['embeddedRedis', 'bundledBroker', 'mqttIngest', 'udpIngest', 'archiveSchedule', 'clientApi', 'ui']);
    expect(stackPlan(configSchema.parse({ dataDir: '/tmp/sw-plan' })).everything).toBe(true);
    expect(partsOf({ roles: 'ingest,udp,api,archiver,ui' })).toEqual(partsOf({}));
    expect(partsOf({ redis: REDIS })).not.toContain('embeddedRedis');
    expect(partsOf({ emulator: { mode: 'thermostats' }, metrics: { port: 0 } })).toEqual(expect.arrayContaining(['emulators', 'metrics']));
  });

  it('keeps the broker and the pages in read-only mode and drops every part that writes', () => {
    const parts = partsOf({ readOnly: true });
    expect(parts).toEqual(['embeddedRedis', 'bundledBroker', 'ui']);
    expect(writesToRedis(stackPlan(configSchema.parse({ dataDir: '/tmp/sw-plan', readOnly: true })))).toBe(false);
  });

  it('gives each role its own parts, and ingest the outside broker instead of the bundled one with --mqtt-source', () => {
    expect(partsOf({ roles: 'ingest', redis: REDIS })).toEqual(['bundledBroker', 'mqttIngest']);
    expect(partsOf({ roles: 'ingest', redis: REDIS, mqttSource: { url: 'mqtt://broker:1883' } })).toEqual(['outsideBroker', 'mqttIngest']);
    expect(partsOf({ roles: 'udp', redis: REDIS })).toEqual(['udpIngest']);
    expect(partsOf({ roles: 'api', redis: REDIS })).toEqual(['clientApi']);
    expect(partsOf({ roles: 'archiver', redis: REDIS })).toEqual(['archiveSchedule']);
    expect(partsOf({ roles: 'ui', redis: REDIS })).toEqual(['ui']);
    expect(partsOf({ roles: 'ui', redis: REDIS, readOnly: true })).toEqual(['ui']);
    expect(partsOf({ roles: 'udp,ingest', redis: REDIS, metrics: { port: 9464 } })).toEqual(['bundledBroker', 'mqttIngest', 'udpIngest', 'metrics']);
    expect(partsOf({ roles: 'api', redis: REDIS, api: { disabled: true } })).toEqual([]);
  });
});
