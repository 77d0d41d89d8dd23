import { configDefaults, defineConfig } from 'vitest/config';
import { excludedFor, isolatedFor } from './test/layers.js';

// One suite. The slow files (named *.docker.test.ts, *.slurm.test.ts, *.browser.test.ts) need a
// Docker engine, a Slurm cluster or Chromium, which .ci/run starts; where one is missing they skip
// with a loud message, and with CI=true they fail instead. ADRS_TEST_LAYER=fast (npm run test:fast)
// leaves those and the real-evaluation files out and shares modules across files (test/layers.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...excludedFor(process.env.ADRS_TEST_LAYER)],
    isolate: isolatedFor(process.env.ADRS_TEST_LAYER),
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
