// The red-team routes against the Docker sandbox (image adrs-base): the same hostile candidates as the local suite.
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandboxes/docker/docker-sandbox.js';
import { engineReachable } from '../../sandboxes/docker/engine.js';
import { CASES, cleanupRedteam, outcomeText, runCase } from './redteam-cases.js';

const IMAGE = 'adrs-base:latest';
const docker = new Docker();
const reachable = await engineReachable(docker);
const hasImage =
  reachable &&
  (await docker
    .getImage(IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    ));
const ready = reachable && hasImage;
if (!ready && process.env.CI !== 'true')
  console.warn(
    `\n*** redteam.docker: SKIPPED: ${reachable ? `image ${IMAGE} is missing (node bin/adrs.js images build adrs-base)` : 'no Docker engine (bash .ci/docker.sh)'} ***\n`,
  );

describe.runIf(ready || process.env.CI === 'true')('red team, Docker sandbox', () => {
  const sandbox = new DockerSandbox({ image: IMAGE });
  afterAll(async () => {
    await sandbox.dispose();
    cleanupRedteam();
  });
  it.each(CASES.map((c) => [c.name, c] as const))(
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
