import { expect } from 'vitest';
import { ConfigError } from '../../core/config/load.js';

/** The message of the ConfigError `run` throws; fails the test when it throws something else or nothing. */
export function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError, but the config loaded');
}
