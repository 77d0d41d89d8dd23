// Verification in Docker: one container per arm for all its samples, and nothing a candidate sample leaves reaches the next sample or the baseline.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyCandidate } from '../evaluators/verify.js';
import { DockerSandbox } from '../sandboxes/docker/docker-sandbox.js';
import type { DockerSeries } from '../sandboxes/docker/docker-series.js';
import { engineReachable } from '../sandboxes/docker/engine.js';
import { LABEL } from '../sandboxes/docker/labels.js';
import type { SessionSpec } from '../sandboxes/types.js';
import { makeFixture, SEED_PASS_MIN_S, seedSource, verifyOptions } from './fixtures/gaming/fixture.js';

const IMAGE = 'adrs-base:latest';
const ci = process.env.CI === 'true';
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
if (!ready && !ci)
  console.warn(
    `\n*** verify-docker-series: SKIPPED: no Docker engine or no ${IMAGE} (bash .ci/docker.sh) ***\n`,
  );

/** The seed's solve, plus a CPU burner daemon (double fork, own session) started at import: every sample leaves one. */
const BURNER_SOLVE = `${seedSource()}

import os as _os

if _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        for _fd in (0, 1, 2):
            _os.close(_fd)  # holds no output open: the exec ends normally and nothing sweeps it
        while True:
            pass
    _os._exit(0)
_os.wait()
`;

/** Docker's init and the keep-alive: the exec agent, or `sleep infinity` without it. */
const KEEP =
  /docker-init|sleep infinity|\/usr\/bin\/python3 -I -S -c import os; exec\(os\.environ\.pop\("ADRS_AGENT_PY"\)\) \/adrs-agent$/;

/** Host-side view (the containers' cgroups) of what runs in this test's containers of one arm, besides init and the keep-alive. */
async function extraProcesses(arm: string): Promise<string[]> {
  const list = await docker.listContainers({
    filters: { label: [`${LABEL.pid}=${process.pid}`, `adrs.user.adrs.arm=${arm}`] },
  });
  const extra: string[] = [];
  for (const c of list) {
    const top = await docker
      .getContainer(c.Id)
      .top({ ps_args: '-o pid,stat,user,args' })
      .catch(() => ({ Processes: [] as string[][] }));
    for (const p of top.Processes) {
      const [, stat, user, args] = p;
      // A zombie runs nothing (a closed container's killed processes wait for init to reap them during its removal).
      if (stat?.startsWith('Z')) continue;
      // Root's: init and the keep-alive, or the agent being torn down by that removal (no command line left).
      if (user === 'root' && (KEEP.test(args ?? '') || args === '[python3]')) continue;
      extra.push(p.join(' '));
    }
  }
  return extra;
}

/** A Docker sandbox whose series are kept, and whose baseline sessions first look at the candidate arm's containers. */
class WatchedSandbox extends DockerSandbox {
  readonly made: DockerSeries[] = [];
  readonly seenAtBaselineOpen: string[][] = [];
  override series(): DockerSeries {
    const series = super.series();
    this.made.push(series);
    const open = series.open.bind(series);
    series.open = async (spec: SessionSpec) => {
      if (spec.labels?.['adrs.arm'] === 'baseline' && spec.labels['adrs.stage'] === 'time')
        this.seenAtBaselineOpen.push(await extraProcesses('candidate'));
      return open(spec);
    };
    return series;
  }
}

describe.runIf(ready || ci)('verification in Docker, one container per arm', () => {
  const fx = makeFixture();
  const sandbox = new WatchedSandbox({ image: IMAGE });
  afterAll(async () => {
    await sandbox.dispose();
    fx.cleanup();
  });

  it('a cache in /tmp gains nothing: the arm container is wiped between samples (no guard here)', async () => {
    if (!ready) expect.fail('CI=true but Docker cannot run here');
    const opts = verifyOptions(fx, sandbox, 'cache-tmp', {
      timing: { key: 'solve', minSamples: 5, maxSamples: 6, minEffect: 0.05, confidence: 0.95 },
    });
    const { verdict } = await verifyCandidate(opts);
    const mine = verdict.samples!.filter((s) => s.arm === 'candidate');
    expect(mine.length).toBeGreaterThanOrEqual(5);
    for (const s of mine) expect(s.value).toBeGreaterThanOrEqual(SEED_PASS_MIN_S); // never a cache hit
    expect(verdict.verified, verdict.reason).toBe(false);
    // Both arms ran in one container each: n samples, n - 1 reuses, no replacement.
    const [a, b] = sandbox.made.slice(-2);
    expect(a!.stats).toMatchObject({ reused: mine.length - 1, replaced: 0 });
    expect(b!.stats).toMatchObject({ reused: mine.length - 1, replaced: 0 });
  }, 300_000);

  it("a CPU burner left by every candidate sample is dead before each of the baseline's samples", async () => {
    if (!ready) expect.fail('CI=true but Docker cannot run here');
    const opts = verifyOptions(fx, sandbox, 'honest', {
      timing: { key: 'solve', minSamples: 5, maxSamples: 6, minEffect: 0.05, confidence: 0.95 },
    });
    writeFileSync(path.join(opts.candidateDir, 'solve.py'), BURNER_SOLVE);
    sandbox.seenAtBaselineOpen.length = 0;
    const { verdict } = await verifyCandidate(opts);
    expect(verdict.nCandidate, verdict.reason).toBeGreaterThanOrEqual(5);
    // The candidate's samples did start burners (the held-out run's ones are in another container, long gone)...
    // ...and none was alive when any baseline sample was about to start.
    expect(sandbox.seenAtBaselineOpen.length).toBe(verdict.nBaseline);
    expect(sandbox.seenAtBaselineOpen.flat()).toEqual([]);
    expect(verdict.verified).toBe(false);
  }, 300_000);
});
