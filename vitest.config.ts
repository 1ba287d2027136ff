import { defineConfig } from 'vitest/config';
import { ENGINE_SUITES } from './vitest.engines.config.js';

// `npm test`: the unit tests and the end-to-end tests of dagc itself (kept under 10 minutes on 2 cores).
// The suites that drive other engines at length (Argo's controller, a Kubernetes API server, moto, magnus
// itself, podman, Chromium) run in `npm run test:engines`, a separate step of .ci/run.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: [...ENGINE_SUITES, '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most tests wait on processes they spawn (dagc, bash, containers), so two workers on a 2-core machine
    // finish the suite in ~6 min instead of ~8 (vitest 4's default leaves one core idle).
    maxWorkers: 2,
  },
});
