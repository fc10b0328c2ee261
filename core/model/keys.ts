import type { Climate } from './climate.js';

/**
 * Every Redis key and channel name the workbench reads or writes is built here, so a production
 * Redis that names things differently only needs a different KeySchemaOptions.
 */
export interface KeySchemaOptions {
  /** Prepended to the thermostat keys; empty by default so the source document's redis-cli queries work verbatim. */
  keyPrefix: string;
}

export interface KeySchema {
  sensorData: string;
  deviceHash(deviceId: string): string;
  climateCounter(climate: Climate): string;
  warningsChannel: string;
  deadLetters: string;
  rejectedCounts: string;
  lastAppliedBatch: string;
}

export function createKeySchema({ keyPrefix }: KeySchemaOptions): KeySchema {
  const climateKeys: Record<Climate, string> = {
    hot: `${keyPrefix}climate:hot`,
    warm: `${keyPrefix}climate:warm`,
    cool: `${keyPrefix}climate:cool`,
    cold: `${keyPrefix}climate:cold`,
  };
  return {
    sensorData: `${keyPrefix}SensorData`,
    deviceHash: (deviceId) => `${keyPrefix}${deviceId}`,
    climateCounter: (climate) => climateKeys[climate],
    warningsChannel: `${keyPrefix}Warnings`,
    deadLetters: `${keyPrefix}workbench:ingest:deadletters`,
    rejectedCounts: `${keyPrefix}workbench:ingest:rejected`,
    lastAppliedBatch: `${keyPrefix}workbench:ingest:lastbatch`,
  };
}
