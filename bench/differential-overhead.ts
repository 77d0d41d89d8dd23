// Benchmark: what the differential checks add to one SWE-fixture evaluation (local sandbox, expert patches).
//
// For each textstats fixture instance: the wall time of a full evaluation by the SWE harness (screen stage: pre/post
// workload, 6 isolated repeats each, covering tests), and the wall time of the differential checks on the same patch,
// in two-tree mode and in phased mode (the one the harness would call: a second base run and a base replay up front).
// Prints medians and the fraction check/evaluation. Also the bad unitconv patches (extra probes run on a difference).
//
//   node --import tsx bench/differential-overhead.ts [--reps 3] [--json]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import {
  BAD,
  diffText,
  prepareCase,
  runDiffcheck,
  runPhased,
  UNITCONV_DIR,
} from '../test/fixtures/swe-diff/fixture.js';
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
try {
  for (const n of [1, 2, 3]) {
    const files = { [EXPERT[n]!.file]: EXPERT[n]!.text };
    // The evaluation with the checks (the default) and without them, interleaved: the integrated cost.
    const problem = await fixtureProblem(n);
    const plain = await loadInstanceProblem((await fixtureInstances())[n - 1]!, {
      reposDir: REPOS_DIR,
      timeoutS: 300,
      differential: { enabled: false },
    });
    const workload = readFileSync(path.join(SWE_DIR, 'workloads', `textstats-${n}.py`), 'utf8');
    const prepared = await prepareCase({ repoDir: BASE_FILES_DIR, files, workload });
    const evalS: number[] = [];
    const evalOffS: number[] = [];
    const twoS: number[] = [];
    const phasedS: number[] = [];
    const inTwo: number[] = [];
    const inPhased: number[] = [];
    try {
      for (let i = 0; i < reps; i++) {
        evalOffS.push(await timed(async () => resultOf(await evaluateFiles(sandbox, plain, files))));
        evalS.push(await timed(async () => resultOf(await evaluateFiles(sandbox, problem, files))));
        twoS.push(
          await timed(async () => {
            const r = await runDiffcheck(sandbox, prepared.dir);
            if (!r.ok) throw new Error(`instance ${n}: expert refused`);
            inTwo.push(r.seconds.total ?? NaN);
          }),
        );
        phasedS.push(
          await timed(async () => {
            const r = await runPhased(sandbox, prepared.dir);
            if (!r.ok) throw new Error(`instance ${n}: expert refused (phased)`);
            inPhased.push(r.seconds.total ?? NaN);
          }),
        );
      }
    } finally {
      prepared.dispose();
    }
    const e = median(evalOffS);
    rows.push({
      case: `textstats-${n} expert`,
      evaluation_s: e,
      evaluation_with_checks_s: median(evalS),
      integrated_fraction: median(evalS) / e - 1,
      two_tree_s: median(twoS),
      phased_s: median(phasedS),
      two_tree_fraction: median(twoS) / e,
      phased_fraction: median(phasedS) / e,
      // The checks' own processes, without opening a sandbox session (integrated, they run in the evaluation's).
      two_tree_inside_s: median(inTwo),
      phased_inside_s: median(inPhased),
      phased_inside_fraction: median(inPhased) / e,
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
    'case                          eval s  with checks  added  | standalone: two-tree s  phased s  phased own processes s\n',
  );
  for (const r of rows)
    process.stdout.write(
      `${String(r.case).padEnd(30)}${f(r.evaluation_s).padStart(6)}  ${f(r.evaluation_with_checks_s).padStart(11)}  ${pct(r.integrated_fraction).padStart(5)}  | ${f(r.two_tree_s).padStart(22)}  ${f(r.phased_s).padStart(8)}  ${f(r.phased_inside_s).padStart(22)}\n`,
    );
}
