import { defineConfig } from 'vitest/config';

/** Suites that run other engines at length; `npm run test:engines` (and .ci/run after `npm test`). */
export const ENGINE_SUITES = [
  'test/argo-controller.test.ts',
  'test/argo-faults.test.ts',
  'test/argo-split.test.ts',
  'test/asl-split.test.ts',
  'test/asl-localstack.test.ts',
  'test/deploy-argo.test.ts',
  'test/deploy-asl.test.ts',
  'test/magnus-diff/**/*.test.ts',
  'test/report-browser.test.ts',
  'test/install-tarball.test.ts',
  'test/local-container.test.ts',
  'test/local-container-links.test.ts',
  'test/run-id-exclusive-container.test.ts',
  'test/sigkill-sweep-full.test.ts',
  'test/isolation.test.ts',
  'test/readme-tour.test.ts',
  'test/step-api.test.ts',
  'test/scale-100k.test.ts',
];

export default defineConfig({
  test: {
    include: ENGINE_SUITES,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
