// Benchmark: what the differential checks add to an evaluation of a REAL SWE-fficiency instance (Debian's sympy and
// xarray rebuilt as repositories, upstream expert patches; test/fixtures/swe-real), local sandbox.
//
// Per instance, interleaved in one run: the wall time of a full evaluation by the SWE harness (screen stage:
// pre/post workload in isolated repeats, the covering tests) with the checks off, and with them on and the base
// observation kept in the evaluator cache ("warm": every candidate after the first that changes these functions).
// One cold evaluation first fills the cache (reported, not in the ratio). Also the checks' own seconds inside, per
// step for the last warm run, every repeat's seconds, and the load average after each instance (the machine may be
// shared: the ratio of runs side by side is what counts).
//
//   node --import tsx bench/differential-real.ts [--reps 2] [--only sympy__sympy-24884,...] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { evaluatorCacheDir } from '../orchestrator/evaluate/target.js';
import { loadInstanceProblem } from '../problems/src/swefficiency/package.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import { evaluateFiles, resultOf } from '../test/fixtures/swe/fixture.js';
import {
  buildRealRepos,
  missingDebianModule,
  patchedFiles,
  realInstances,
} from '../test/fixtures/swe-real/real.js';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '2' },
    only: { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
  },
});
const reps = Math.max(1, Number(args.reps));
const only = args.only ? new Set(args.only.split(',')) : undefined;
const absent = missingDebianModule();
if (absent)
  throw new Error(`differential-real: /usr/bin/python3 lacks ${absent} (see test/swefficiency-real.test.ts)`);

const sandbox = new LocalSandbox();
const reposDir = mkdtempSync(path.join(tmpdir(), 'adrs-bench-diffreal-'));
/** The checks' own seconds (per step and in all) from the evaluation's differential artifact. */
function diffSteps(r: { artifacts?: Record<string, string> }): Record<string, number> {
  try {
    const rep = JSON.parse(r.artifacts?.differential ?? '') as { seconds?: Record<string, number> };
    return rep.seconds ?? {};
  } catch {
    return {};
  }
}
const diffSeconds = (r: { artifacts?: Record<string, string> }): number => diffSteps(r).total ?? NaN;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [(performance.now() - t0) / 1000, v];
}

const rows: Record<string, unknown>[] = [];
try {
  const instances = realInstances(await buildRealRepos(reposDir));
  for (const instance of instances) {
    if (only && !only.has(instance.instance_id)) continue;
    const repo = path.join(reposDir, instance.repo.replace('/', '__'));
    const files = await patchedFiles(repo, instance.base_commit, instance.patch);
    const opts = { reposDir, timeoutS: 1200 };
    const plain = await loadInstanceProblem(instance, { ...opts, differential: { enabled: false } });
    const checked = await loadInstanceProblem(instance, opts);
    rmSync(evaluatorCacheDir(checked), { recursive: true, force: true });
    const [coldS, cold] = await timed(async () => resultOf(await evaluateFiles(sandbox, checked, files)));
    if (!cold.correct)
      throw new Error(`${instance.instance_id}: the expert patch was refused: ${cold.feedback}`);
    const evalS: number[] = [];
    const warmS: number[] = [];
    const warmIn: number[] = [];
    let warmSteps: Record<string, number> = {};
    for (let i = 0; i < reps; i++) {
      evalS.push((await timed(async () => resultOf(await evaluateFiles(sandbox, plain, files))))[0]);
      const [s, warm] = await timed(async () => resultOf(await evaluateFiles(sandbox, checked, files)));
      if (!warm.correct) throw new Error(`${instance.instance_id}: refused warm: ${warm.feedback}`);
      warmS.push(s);
      warmIn.push(diffSeconds(warm));
      warmSteps = diffSteps(warm);
    }
    const e = median(evalS);
    rows.push({
      case: instance.instance_id,
      evaluation_s: e,
      warm_s: median(warmS),
      warm_fraction: median(warmS) / e - 1,
      warm_inside_s: median(warmIn),
      cold_s: coldS,
      cold_inside_s: diffSeconds(cold),
      eval_each_s: evalS,
      warm_each_s: warmS,
      warm_steps_last: warmSteps,
      loadavg: loadavg().map((l) => Number(l.toFixed(1))),
    });
    if (!args.json) process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  }
} finally {
  await sandbox.dispose();
  rmSync(reposDir, { recursive: true, force: true });
}

if (args.json) process.stdout.write(JSON.stringify(rows, null, 1) + '\n');
else {
  const f = (v: unknown, d = 1): string => (typeof v === 'number' ? v.toFixed(d) : '-');
  const pct = (v: unknown): string => (typeof v === 'number' ? `${Math.round(v * 100)}%` : '-');
  process.stdout.write(
    `differential-real (local sandbox, medians of ${reps}, interleaved; cold: one run; load average now ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})\n`,
  );
  process.stdout.write(
    'instance                 eval s | warm: with checks  added  inside s | cold: with checks  inside s\n',
  );
  for (const r of rows)
    process.stdout.write(
      `${String(r.case).padEnd(24)}${f(r.evaluation_s).padStart(7)} | ${f(r.warm_s).padStart(17)}  ${pct(r.warm_fraction).padStart(5)}  ${f(r.warm_inside_s).padStart(8)} | ${f(r.cold_s).padStart(17)}  ${f(r.cold_inside_s).padStart(8)}\n`,
    );
}
