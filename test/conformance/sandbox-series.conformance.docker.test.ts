// The shared sandbox conformance cases against a Docker series: sessions that reuse one container, reset between them.
import { describe, expect } from 'vitest';
import { DockerSandbox } from '../../sandboxes/docker/docker-sandbox.js';
import type { Sandbox, SandboxSessionControl } from '../../sandboxes/types.js';
import { dockerReady, warnDockerSkip } from '../helpers/docker-ready.js';
import { conformanceCases } from './sandbox-cases.js';

const IMAGE = 'adrs-base:latest';
const state = await dockerReady(IMAGE);
const { ready } = state;
warnDockerSkip('sandbox conformance (docker series)', state);

/** The series, whose dispose() also disposes the sandbox that made it. */
function seriesSandbox(): Sandbox {
  const parent = new DockerSandbox({ image: IMAGE });
  const series = parent.series();
  return {
    kind: 'docker',
    open: (spec) => series.open(spec),
    describe: () => series.describe(),
    dispose: async () => {
      await series.dispose();
      await parent.dispose();
    },
  };
}

describe.runIf(ready || process.env.CI === 'true')('sandbox conformance: docker series', () => {
  conformanceCases({
    kind: 'docker series',
    make: seriesSandbox,
    image: IMAGE,
    isCandidateUid: (uid) => uid === 1000,
    lacks: {},
    reportsMemoryKill: true,
    // The container outlives the session (it is reset for the next one), so what must hold is that no process of the
    // session is left in it, seen from inside while it still answers.
    nothingLeft: async (session: SandboxSessionControl, _sandbox: Sandbox, marker: string) => {
      const ps = await session.exec(['ps', '-eo', 'args']).catch(() => undefined);
      if (ps?.exitCode === 0) expect(ps.stdoutTail).not.toContain(marker);
      await session.close();
    },
  });
});
