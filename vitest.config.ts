import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real redis-server and broker processes; two cores do not reward more forks.
    maxWorkers: 2,
  },
});
