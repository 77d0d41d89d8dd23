// The red-team routes against the SWE-fficiency harness (fixture instance 1) in the Docker sandbox (adrs-swe image).
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandboxes/docker/docker-sandbox.js';
import { engineReachable } from '../../sandboxes/docker/engine.js';
import { sweRedteamCases } from './redteam-swe-cases.js';

const IMAGE = 'adrs-swe:latest';
const ci = process.env.CI === 'true';
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
if (!ready && !ci)
  console.warn(
    `\n*** redteam-swe.docker: SKIPPED: no Docker engine or no ${IMAGE} image (bash .ci/docker.sh) ***\n`,
  );
const sandbox = new DockerSandbox({ image: IMAGE });
afterAll(async () => sandbox.dispose());

describe.skipIf(!ready && !ci)('red team, SWE harness, Docker sandbox', () => {
  it('has an engine and the adrs-swe image (CI fails here when they are missing)', () => {
    expect(reachable, 'no Docker engine (bash .ci/docker.sh)').toBe(true);
    expect(hasImage, `${IMAGE} missing (adrs images build adrs-swe)`).toBe(true);
  });
  sweRedteamCases(sandbox, 'docker');
});
