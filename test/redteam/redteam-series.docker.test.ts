// The red-team routes through one Docker series: each hostile candidate runs twice in a reused container, after the previous case's.
import { afterAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandboxes/docker/docker-sandbox.js';
import { cleanupRedteam, outcomeText, runCase } from './redteam-cases.js';
import { dockerRedteam } from './docker-setup.js';

const IMAGE = 'adrs-base:latest';
const { ready, why, cases } = await dockerRedteam('redteam-series.docker', IMAGE);

describe.runIf(ready || process.env.CI === 'true')('red team, Docker series (reused containers)', () => {
  it('has an engine and the image (CI=true fails here when they are missing)', () => {
    expect(ready, why).toBe(true);
  });
  const sandbox = new DockerSandbox({ image: IMAGE });
  // One series for every case: a case's first run gets the container the previous case of its problem used.
  const series = sandbox.series();
  afterAll(async () => {
    await series.dispose();
    await sandbox.dispose();
    cleanupRedteam();
  });
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s (twice)',
    async (_name, c) => {
      for (const round of [1, 2]) {
        const outcome = await runCase(series, c, IMAGE);
        const text = outcomeText(outcome);
        console.log(
          `[redteam docker series] ${c.file} run ${round}: ${outcome.status}: ${('result' in outcome ? outcome.result.feedback : outcome.reason).split('\n')[0]} (reused so far ${series.stats.reused}, replaced ${series.stats.replaced})`,
        );
        expect(c.expect(outcome, text), text.slice(0, 2000)).toBeUndefined();
      }
    },
    480_000,
  );

  it('did reuse containers across cases', () => {
    expect(series.stats.reused).toBeGreaterThanOrEqual(cases.length);
  });
});
