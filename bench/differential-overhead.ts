// Benchmark: what the differential checks add to one SWE-fixture evaluation (local sandbox, expert patches).
//
// For each textstats fixture instance, interleaved in one run: the wall time of a full evaluation by the SWE harness
// (screen stage: pre/post workload, 6 isolated repeats each, covering tests) with the checks off; with them on and
// no kept base observation ("cold": the first candidate that changes these functions pays the base run); and with
// one kept in the evaluator cache ("warm": every later candidate). Also the checks' own seconds inside the
// evaluation, and the standalone two-tree entry point. Then the bad unitconv patches (refused: extra probes run).
//
//   node --import tsx bench/differential-overhead.ts [--reps 3] [--json]
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import { BAD, diffText, prepareCase, runDiffcheck, UNITCONV_DIR } from '../test/fixtures/swe-diff/fixture.js';
import {
  BASE_FILES_DIR,
  EXPERT,
  evaluateFiles,
  fixtureInstances,
  fixtureProblem,
  REPOS_DIR,
  resultOf,
  SWE_DIR,
} from '../test/fixtures/swe/fixture.js';
import { loadInstanceProblem } from '../problems/src/swefficiency/package.js';
import { evaluatorCacheDir } from '../orchestrator/evaluate/target.js';

const { values: args } = parseArgs({
  options: { reps: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } },
});
const reps = Math.max(1, Number(args.reps));
const sandbox = new LocalSandbox();

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

const rows: Record<string, unknown>[] = [];
const diffSeconds = (r: { artifacts?: Record<string, string> }): number =>
  (JSON.parse(r.artifacts?.differential ?? '{}') as { seconds?: { total?: number } }).seconds?.total ?? NaN;
try {
  for (const n of [1, 2, 3]) {
    const files = { [EXPERT[n]!.file]: EXPERT[n]!.text };
    // The evaluation without the checks, with them and no kept base observation (the first candidate that
    // changes these functions), and with one kept (every later one), interleaved: the integrated cost.
    const problem = await fixtureProblem(n);
    const plain = await loadInstanceProblem((await fixtureInstances())[n - 1]!, {
      reposDir: REPOS_DIR,
      timeoutS: 300,
      differential: { enabled: false },
    });
    const cache = evaluatorCacheDir(problem);
    const workload = readFileSync(path.join(SWE_DIR, 'workloads', `textstats-${n}.py`), 'utf8');
    const prepared = await prepareCase({ repoDir: BASE_FILES_DIR, files, workload });
    const evalS: number[] = [];
    const coldS: number[] = [];
    const warmS: number[] = [];
    const coldIn: number[] = [];
    const warmIn: number[] = [];
    const twoS: number[] = [];
    try {
      for (let i = 0; i < reps; i++) {
        evalS.push(await timed(async () => resultOf(await evaluateFiles(sandbox, plain, files))));
        rmSync(cache, { recursive: true, force: true });
        coldS.push(
          await timed(async () =>
            coldIn.push(diffSeconds(resultOf(await evaluateFiles(sandbox, problem, files)))),
          ),
        );
        warmS.push(
          await timed(async () =>
            warmIn.push(diffSeconds(resultOf(await evaluateFiles(sandbox, problem, files)))),
          ),
        );
        twoS.push(
          await timed(async () => {
            const r = await runDiffcheck(sandbox, prepared.dir);
            if (!r.ok) throw new Error(`instance ${n}: expert refused`);
          }),
        );
      }
    } finally {
      prepared.dispose();
    }
    const e = median(evalS);
    rows.push({
      case: `textstats-${n} expert`,
      evaluation_s: e,
      cold_s: median(coldS),
      cold_fraction: median(coldS) / e - 1,
      warm_s: median(warmS),
      warm_fraction: median(warmS) / e - 1,
      // The checks' own time inside the evaluation (their forked steps, the compare, the bookkeeping).
      cold_inside_s: median(coldIn),
      warm_inside_s: median(warmIn),
      // The standalone entry point (two trees, processes of its own, a sandbox session of its own).
      two_tree_s: median(twoS),
    });
  }
  for (const [name, bad] of Object.entries(BAD)) {
    const prepared = await prepareCase({
      repoDir: UNITCONV_DIR,
      files: { 'unitconv/core.py': diffText(bad.file) },
      workload: diffText('workloads/unitconv-1.py'),
    });
    try {
      const t: number[] = [];
      for (let i = 0; i < reps; i++) t.push(await timed(() => runDiffcheck(sandbox, prepared.dir)));
      rows.push({ case: `unitconv ${name} (refused)`, two_tree_s: median(t) });
    } finally {
      prepared.dispose();
    }
  }
} finally {
  await sandbox.dispose();
}

if (args.json) process.stdout.write(JSON.stringify(rows, null, 1) + '\n');
else {
  const f = (v: unknown, d = 3): string => (typeof v === 'number' ? v.toFixed(d) : '-');
  const pct = (v: unknown): string => (typeof v === 'number' ? `${Math.round(v * 100)}%` : '-');
  process.stdout.write(`differential-overhead (local sandbox, medians of ${reps})\n`);
  process.stdout.write(
    'case                          eval s | cold: with checks  added  inside s | warm: with checks  added  inside s | standalone two-tree s\n',
  );
  for (const r of rows)
    process.stdout.write(
      `${String(r.case).padEnd(30)}${f(r.evaluation_s).padStart(6)} | ${f(r.cold_s).padStart(17)}  ${pct(r.cold_fraction).padStart(5)}  ${f(r.cold_inside_s).padStart(8)} | ${f(r.warm_s).padStart(17)}  ${pct(r.warm_fraction).padStart(5)}  ${f(r.warm_inside_s).padStart(8)} | ${f(r.two_tree_s).padStart(21)}\n`,
    );
}
