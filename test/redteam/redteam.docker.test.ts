// The red-team routes against the Docker sandbox (image adrs-base): the same hostile candidates as the local suite.
import Docker from 'dockerode';
import { execa } from 'execa';
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

// The KernelBench case needs torch in the image (adrs-base has none; adrs-cuda has it).
const torchProbe = ready
  ? await execa('docker', ['run', '--rm', '--network', 'none', IMAGE, 'python3', '-c', 'import torch'], {
      reject: false,
    })
  : undefined;
const hasTorch = torchProbe?.exitCode === 0;
const cases = CASES.filter((c) => c.needs !== 'torch' || hasTorch);
if (ready && !hasTorch)
  console.warn(
    `\n*** redteam.docker: ${CASES.filter((c) => c.needs === 'torch')
      .map((c) => c.file)
      .join(', ')} SKIPPED: ${IMAGE} has no torch (the local suite runs them) ***\n`,
  );

describe.runIf(ready || process.env.CI === 'true')('red team, Docker sandbox', () => {
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
