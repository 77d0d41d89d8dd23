// The SWE-fficiency fixture instances under Docker, in the adrs-swe image built from Debian packages
// (.ci/docker.sh builds it): the whole repository-task path runs in CI in a container.
import { rmSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluatorCacheDir } from '../orchestrator/evaluate/target.js';
import { DockerSandbox } from '../sandboxes/docker/docker-sandbox.js';
import { engineReachable } from '../sandboxes/docker/engine.js';
import { loadInstanceProblem } from '../problems/src/swefficiency/package.js';
import { BAD, DIFF_DIR, diffText, unitconvInstance } from './fixtures/swe-diff/fixture.js';
import { EXPERT, evaluateFiles, fixtureProblem, fixtureText, resultOf } from './fixtures/swe/fixture.js';

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
    `\n*** swefficiency.docker: SKIPPED: no Docker engine or no ${IMAGE} image (bash .ci/docker.sh) ***\n`,
  );

const sandbox = new DockerSandbox({ image: IMAGE });
afterAll(async () => sandbox.dispose());

describe.skipIf(!ready && !ci)('SWE-fficiency fixture instances under Docker (adrs-swe)', () => {
  it('has an engine and the adrs-swe image (CI fails here when they are missing)', () => {
    expect(reachable, 'no Docker engine (bash .ci/docker.sh)').toBe(true);
    expect(hasImage, `${IMAGE} missing (adrs images build adrs-swe)`).toBe(true);
  });

  it('the expert patch reproduces its speedup with PASS_TO_PASS green, in a container; the base observation is kept', async () => {
    const problem = await fixtureProblem(1, 'docker-cache-test');
    expect(problem.spec.sandbox.image).toBe('adrs-swe');
    rmSync(evaluatorCacheDir(problem), { recursive: true, force: true });
    // The second evaluation reads the base observation the first kept, through the container's read-only mount.
    for (const cached of [false, true]) {
      const r = resultOf(await evaluateFiles(sandbox, problem, { [EXPERT[1]!.file]: EXPERT[1]!.text }));
      expect(r.correct, r.feedback).toBe(true);
      expect(r.metrics.speedup).toBeGreaterThan(1);
      expect(r.metrics.p2p_passed).toBe(r.metrics.p2p_total);
      const report = JSON.parse(r.artifacts.differential ?? '{}') as { base_cached?: boolean };
      expect(report.base_cached, `base observation kept: ${cached}`).toBe(cached);
    }
  }, 180_000);

  it('a patch that passes every covering test but answers from a stale cache is refused, in a container', async () => {
    const problem = await loadInstanceProblem(
      { ...(await unitconvInstance()), instance_id: 'adrs-fixtures__unitconv-docker' },
      { reposDir: path.join(DIFF_DIR, 'repos'), timeoutS: 300 },
    );
    const bad = BAD['stale-cache']!;
    const r = resultOf(await evaluateFiles(sandbox, problem, { 'unitconv/core.py': diffText(bad.file) }));
    expect(r.correct).toBe(false);
    expect(r.metrics.p2p_passed).toBe(r.metrics.p2p_total); // the tests alone would have accepted it
    expect(r.feedback).toMatch(bad.expect);
    expect(r.checks.some((c) => c.name.startsWith('differential-') && !c.ok)).toBe(true);
  }, 180_000);

  it('a patch that breaks a test scores 1.0, in a container', async () => {
    const problem = await fixtureProblem(1);
    const r = resultOf(
      await evaluateFiles(sandbox, problem, {
        'textstats/core.py': fixtureText('candidates/broken-core.py'),
        'tests/test_core.py': fixtureText('candidates/broken-test_core.py'),
      }),
    );
    expect(r.correct).toBe(false);
    expect(r.metrics.speedup).toBe(1);
  }, 180_000);
});
