// The red-team routes against the SWE-fficiency harness (fixture instance 1) in the Docker sandbox (adrs-swe image).
import { afterAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandboxes/docker/docker-sandbox.js';
import { dockerReady, warnDockerSkip } from '../helpers/docker-ready.js';
import { sweRedteamCases } from './redteam-swe-cases.js';

const IMAGE = 'adrs-swe:latest';
const ci = process.env.CI === 'true';
const state = await dockerReady(IMAGE);
if (!ci) warnDockerSkip('redteam-swe.docker', state);
const ready = state.ready;
const sandbox = new DockerSandbox({ image: IMAGE });
afterAll(async () => sandbox.dispose());

describe.skipIf(!ready && !ci)('red team, SWE harness, Docker sandbox', () => {
  it('has an engine and the adrs-swe image (CI fails here when they are missing)', () => {
    expect(ready, state.why).toBe(true);
  });
  sweRedteamCases(sandbox, 'docker');
});
