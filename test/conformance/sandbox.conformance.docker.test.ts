// The shared sandbox conformance cases against the Docker sandbox (image adrs-base): no container outlives a case.
import { describe, expect } from 'vitest';
import { DockerSandbox } from '../../sandboxes/docker/docker-sandbox.js';
import { LABEL } from '../../sandboxes/docker/labels.js';
import type { SandboxSessionControl } from '../../sandboxes/types.js';
import { dockerReady, warnDockerSkip } from '../helpers/docker-ready.js';
import { holdRemoval } from '../helpers/hold-removal.js';
import type { DockerSession } from '../../sandboxes/docker/docker-session.js';
import { conformanceCases } from './sandbox-cases.js';

const IMAGE = 'adrs-base:latest';
const state = await dockerReady(IMAGE);
const { docker, ready } = state;
warnDockerSkip('sandbox conformance (docker)', state);

/** Containers this test process made (by the adrs.pid label), running or not. */
async function ourContainers(running = false): Promise<string[]> {
  const list = await docker.listContainers({
    all: !running,
    filters: { label: [`${LABEL.pid}=${process.pid}`] },
  });
  return list.map((c) => c.Id);
}

/** Root's Docker init and exec agent. */
const AGENT_OR_INIT =
  /^\/sbin\/docker-init -- |^\/usr\/bin\/python3 -I -S -c import os; exec\(os\.environ\.pop\("ADRS_AGENT_PY"\)\) \/adrs-agent$/;

/** No process of the session holds the marker (when the container still answers), and close removes it. */
async function closeAndCheck(session: SandboxSessionControl, sandbox: DockerSandbox, marker: string) {
  const ps = await session.exec(['ps', '-eo', 'args']).catch(() => undefined);
  if (ps?.exitCode === 0) expect(ps.stdoutTail).not.toContain(marker);
  const running = await ourContainers(true);
  // The removal is held, so the check below sees what close() left, not what the removal killed after it.
  const release = holdRemoval((session as DockerSession).container);
  await session.close();
  // Stopped, or (the exec agent killed the session's processes; the removal goes on in the background) the
  // engine's own process list shows only Docker's init and the agent.
  for (const id of running) {
    const top = await docker
      .getContainer(id)
      .top({ ps_args: '-o stat,user,args' })
      .catch(() => undefined);
    const alive = (top?.Processes ?? []).filter(
      ([stat, user, args]: string[]) =>
        !stat?.startsWith('Z') && !(user === 'root' && AGENT_OR_INIT.test(args ?? '')),
    );
    if (alive.length) release();
    expect(alive).toEqual([]);
  }
  release();
  await sandbox.drain();
  expect(await ourContainers()).toEqual([]);
}

describe.runIf(ready || process.env.CI === 'true')('sandbox conformance: docker', () => {
  conformanceCases({
    kind: 'docker',
    make: () => new DockerSandbox({ image: IMAGE }),
    image: IMAGE,
    isCandidateUid: (uid) => uid === 1000,
    lacks: {},
    reportsMemoryKill: true,
    nothingLeft: closeAndCheck,
    afterEach: async (sandbox) => {
      await sandbox.drain();
      expect(await ourContainers()).toEqual([]);
    },
  });
});
