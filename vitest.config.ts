import { defineConfig } from 'vitest/config';

// One suite. The slow files (named *.docker.test.ts, *.slurm.test.ts, *.browser.test.ts) need a
// Docker engine, a Slurm cluster or Chromium, which .ci/run starts; where one is missing they skip
// with a loud message, and with CI=true they fail instead.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
