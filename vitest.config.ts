import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // each file gets its own database; two at a time suits the 2-core machines CI runs on
    maxWorkers: 2,
  },
});
