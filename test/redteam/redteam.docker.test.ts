// The red-team routes against the Docker sandbox (image adrs-base): the same hostile candidates as the local suite.
import { afterAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandboxes/docker/docker-sandbox.js';
import { cleanupRedteam, outcomeText, runCase } from './redteam-cases.js';
import { dockerRedteam } from './docker-setup.js';

const IMAGE = 'adrs-base:latest';
const { ready, why, cases } = await dockerRedteam('redteam.docker', IMAGE);

describe.runIf(ready || process.env.CI === 'true')('red team, Docker sandbox', () => {
  it('has an engine and the image (CI=true fails here when they are missing)', () => {
    expect(ready, why).toBe(true);
  });
  const sandbox = new DockerSandbox({ image: IMAGE });
  afterAll(async () => {
    await sandbox.dispose();
    cleanupRedteam();
  });
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const outcome = await runCase(sandbox, c, IMAGE);
      const text = outcomeText(outcome);
      console.log(
        `[redteam docker] ${c.file}: ${outcome.status}: ${('result' in outcome ? outcome.result.feedback : outcome.reason).split('\n')[0]}`,
      );
      expect(c.expect(outcome, text), text.slice(0, 2000)).toBeUndefined();
    },
    240_000,
  );
});
