import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most tests wait on processes they spawn (dagc, bash, containers), so two workers on a 2-core machine
    // finish the suite in ~6 min instead of ~8 (vitest 4's default leaves one core idle).
    maxWorkers: 2,
  },
});
