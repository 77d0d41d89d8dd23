// The red-team routes through one Docker series: each hostile candidate runs twice in a reused container, after the previous case's.
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../sandboxes/docker/docker-sandbox.js';
import { engineReachable } from '../../sandboxes/docker/engine.js';
import { CASES, cleanupRedteam, outcomeText, runCase } from './redteam-cases.js';

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
if (!ready && process.env.CI !== 'true')
  console.warn(
    `\n*** redteam-series.docker: SKIPPED: no Docker engine or no ${IMAGE} (bash .ci/docker.sh) ***\n`,
  );

// The KernelBench case needs torch in the image (adrs-base has none; the local suite runs it).
const torchProbe = ready
  ? await execa('docker', ['run', '--rm', '--network', 'none', IMAGE, 'python3', '-c', 'import torch'], {
      reject: false,
    })
  : undefined;
const cases = CASES.filter((c) => c.needs !== 'torch' || torchProbe?.exitCode === 0);
if (cases.length < CASES.length)
  console.warn(
    `\n*** redteam-series.docker: ${CASES.filter((c) => !cases.includes(c))
      .map((c) => c.file)
      .join(', ')} SKIPPED: ${IMAGE} has no torch (the local suite runs them) ***\n`,
  );

describe.runIf(ready || process.env.CI === 'true')('red team, Docker series (reused containers)', () => {
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
    if (!ready) expect.fail('CI=true but Docker cannot run here');
    expect(series.stats.reused).toBeGreaterThanOrEqual(cases.length);
  });
});
