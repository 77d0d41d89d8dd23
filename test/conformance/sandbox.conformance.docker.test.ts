// The shared sandbox conformance cases against the Docker sandbox (image adrs-base).
import Docker from 'dockerode';
import { describe } from 'vitest';
import { DockerSandbox } from '../../sandboxes/docker/docker-sandbox.js';
import { engineReachable } from '../../sandboxes/docker/engine.js';
import { conformanceCases } from './sandbox-cases.js';

const IMAGE = 'adrs-base:latest';
const docker = new Docker();
const ready =
  (await engineReachable(docker)) &&
  (await docker
    .getImage(IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    ));
if (!ready)
  console.warn(
    `\n*** sandbox conformance (docker): SKIPPED: no engine or no ${IMAGE} (bash .ci/docker.sh) ***\n`,
  );

describe.runIf(ready || process.env.CI === 'true')('sandbox conformance: docker', () => {
  conformanceCases({ make: () => new DockerSandbox({ image: IMAGE }), image: IMAGE, candidateUid: 1000 });
});
