// Real SWE-fficiency instances (sympy, xarray from Debian's sources; upstream expert patches) in the local sandbox.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { median } from 'simple-statistics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweInstance } from '../problems/src/swefficiency/instance-schema.js';
import { loadInstanceProblem } from '../problems/src/swefficiency/package.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import { evaluateFiles, resultOf } from './fixtures/swe/fixture.js';
import {
  buildRealRepos,
  missingDebianModule,
  patchedFiles,
  realInstances,
  realRows,
} from './fixtures/swe-real/real.js';

const absent = missingDebianModule();
if (absent) {
  const msg = `*** swefficiency-real: SKIPPED: /usr/bin/python3 lacks ${absent} (apt-get install python3-pytest python3-sympy python3-xarray python3-dask python3-pandas python3-cftime) ***`;
  if (process.env.CI === 'true') throw new Error(msg + ' CI=true: failing instead of skipping');
  console.warn(`\n${msg}\n`);
}

const sandbox = new LocalSandbox();
const reposDir = mkdtempSync(path.join(tmpdir(), 'adrs-swe-real-'));
let instances: SweInstance[] = [];
let commits: Record<string, string> = {};
const shown: string[] = [];

afterAll(async () => {
  await sandbox.dispose();
  rmSync(reposDir, { recursive: true, force: true });
  if (shown.length) console.log(`\nreal SWE-fficiency instances, expert patches:\n${shown.join('\n')}\n`);
});

async function evaluate(instance: SweInstance, files: Record<string, string>) {
  const problem = await loadInstanceProblem(instance, { reposDir, timeoutS: 1200 });
  return resultOf(await evaluateFiles(sandbox, problem, files));
}

/**
 * A speedup measured as the verify stage's timing does: the workload timed by the harness (stage "time": forked
 * repeats, the script's own Mean: slice) on base_commit and with the patch, in PAIRS run back to back, the order
 * alternating (base first, then patched first), each in a fresh sandbox process. The median of the pairs' ratios
 * base/patched: a burst of load from other processes lands on one pair, or on both sides of it, not on the verdict.
 */
const PAIRS = 5;
/**
 * Instances whose speedup is asserted on paired timing (see the test): a short workload with a narrow margin.
 * xarray-7472 (1.2-1.35x for a 1.1 bound; ~0.1 s of numpy broadcasting) joined after one screen measurement gave
 * 1.04x in a CI run; its paired medians here: 1.32x quiet, 1.35x beside two busy processes (pairs 1.31-1.41).
 * At load 13-20 (seven parallel sessions) its pairs spread 0.50-1.60, so no bound on this machine holds there.
 * xarray-7735 joined when the timed results' digest came in: hashing its index of 7,300 cftime dates (~22 ms) is timed
 * on both sides, so its 19 ms -> 0.24 ms patch measures about 1.6-2.1x on screen, and its pairs at load 5 spread
 * 1.22-2.54 (median 1.35x): its bound went from 1.2 to 1.1, as for the other diluted short workloads.
 */
const PAIRED = new Set(['sympy__sympy-24237', 'pydata__xarray-7472', 'pydata__xarray-7735']);
async function pairedSpeedup(instance: SweInstance, files: Record<string, string>): Promise<number[]> {
  const problem = await loadInstanceProblem(instance, { reposDir, timeoutS: 1200 });
  const mean = async (f: Record<string, string>): Promise<number> => {
    const r = resultOf(await evaluateFiles(sandbox, problem, f, 'time'));
    expect(r.correct, r.feedback).toBe(true);
    return Number(r.metrics.workload_mean);
  };
  const ratios: number[] = [];
  for (let k = 0; k < PAIRS; k++) {
    let base: number, patched: number;
    if (k % 2 === 0) {
      base = await mean({});
      patched = await mean(files);
    } else {
      patched = await mean(files);
      base = await mean({});
    }
    ratios.push(base / patched);
  }
  return ratios;
}

describe.skipIf(absent)('real instances rebuilt from Debian sources', () => {
  beforeAll(async () => {
    commits = await buildRealRepos(reposDir);
    instances = realInstances(commits);
  }, 300_000);

  it('has at least 6 instances from at least 2 projects, each with PASS_TO_PASS tests', () => {
    const rows = realRows();
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(new Set(rows.map((r) => r.repo)).size).toBeGreaterThanOrEqual(2);
    for (const i of instances) expect(i.PASS_TO_PASS.length, i.instance_id).toBeGreaterThan(5);
  });

  for (const row of realRows()) {
    it(`${row.instance_id}: the upstream expert patch is accepted with its speedup`, async () => {
      const instance = instances.find((i) => i.instance_id === row.instance_id)!;
      const repo = path.join(reposDir, row.repo.replace('/', '__'));
      const files = await patchedFiles(repo, instance.base_commit, instance.patch);
      // With the differential checks on (the default): every expert patch passes them too.
      const r = await evaluate(instance, files);
      shown.push(
        `  ${row.instance_id.padEnd(22)} ${r.correct ? 'accepted' : 'REFUSED'}  speedup ${Number(r.metrics.speedup).toFixed(2)}x` +
          `  (pre ${Number(r.metrics.pre_mean).toPrecision(3)} s, post ${Number(r.metrics.post_mean).toPrecision(3)} s; ${r.metrics.p2p_passed}/${r.metrics.p2p_total} PASS_TO_PASS)`,
      );
      expect(r.correct, r.feedback).toBe(true);
      expect(r.metrics.p2p_passed).toBe(r.metrics.p2p_total);
      expect(r.feedback).toMatch(/speedup \d/);
      if (!PAIRED.has(row.instance_id)) {
        // The evaluation's one pre/post measurement (a wide margin: e.g. a 3x bound for a 5-20x patch).
        expect(r.metrics.speedup).toBeGreaterThan(row.min_speedup);
      } else {
        // A narrow margin: one screen measurement of a short workload (sympy-24237: the mean of 4 repeats of
        // ~70 ms) swings with the machine's load (0.62x in a loaded CI run, 1.95x alone). The speedup is
        // asserted on the median of interleaved pairs instead (see pairedSpeedup); the bound stays the row's.
        const ratios = await pairedSpeedup(instance, files);
        const m = median(ratios);
        shown.push(
          `  ${''.padEnd(22)} paired median ${m.toFixed(2)}x (pairs: ${ratios.map((x) => x.toFixed(2)).join(' ')})`,
        );
        expect(m, `paired ratios ${ratios.join(', ')}`).toBeGreaterThan(row.min_speedup);
      }
      expect(r.checks.filter((c) => c.name.startsWith('differential-')).every((c) => c.ok)).toBe(true);
    }, 1_200_000);
  }

  it('sympy-24313: a wrong but fast necklaces (drops the all-zero necklace) is refused, and says which tests fail', async () => {
    const instance = instances.find((i) => i.instance_id === 'sympy__sympy-24313')!;
    const repo = path.join(reposDir, 'sympy__sympy');
    const files = await patchedFiles(repo, instance.base_commit, instance.patch);
    const file = 'sympy/utilities/iterables.py';
    const wrong = files[file]!.replace('    a = [0]*n\n    yield tuple(a)\n', '    a = [0]*n\n');
    expect(wrong).not.toBe(files[file]);
    const r = await evaluate(instance, { [file]: wrong });
    expect(r.correct).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    // Refused by the differential checks (results differ) or by the PASS_TO_PASS gate (test_necklaces).
    expect(r.feedback).toMatch(/test_necklaces|differ/);
  }, 1_200_000);
});
