// Benchmark: what the differential checks add to an evaluation of a REAL SWE-fficiency instance (Debian's sympy and
// xarray rebuilt as repositories, upstream expert patches; test/fixtures/swe-real), local sandbox.
//
// Per instance, interleaved in one run: the wall time of a full evaluation by the SWE harness (screen stage:
// pre/post workload in isolated repeats, the covering tests) with the checks off, and with them on and the base
// observation kept in the evaluator cache ("warm": every candidate after the first that changes these functions).
// One cold evaluation first fills the cache (reported, not in the ratio). Also the checks' own seconds inside, per
// step for the last warm run, every repeat's seconds, and the load average after each instance (the machine may be
// shared: the ratio of runs side by side is what counts). Also the expert patch's speedup (median) without and with
// the checks: the timed repeats' digest must not dilute it (issue 17: its hashing once ran inside the timed window).
//
// --bytecode both (default) runs each instance with and without the harness's bytecode cache of the base tree
// (swe_pyc.py), interleaved, so the two are measured side by side under the same load.
//
//   node --import tsx bench/differential-real.ts [--reps 2] [--only sympy__sympy-24884,...] [--bytecode both|on|off] [--json]
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
    // The base tree's bytecode cache (swe_pyc.py): both (side by side, without and with), on or off.
    bytecode: { type: 'string', default: 'both' },
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
/** Each variant is a pair of packages (checks off / on) of its own, with an evaluator cache of its own. */
const variants = (
  args.bytecode === 'both'
    ? [
        { name: 'no-pyc', bytecodeCache: false },
        { name: 'pyc', bytecodeCache: true },
      ]
    : [{ name: args.bytecode === 'off' ? 'no-pyc' : 'pyc', bytecodeCache: args.bytecode !== 'off' }]
) as { name: string; bytecodeCache: boolean }[];
try {
  const instances = realInstances(await buildRealRepos(reposDir));
  for (const instance of instances) {
    if (only && !only.has(instance.instance_id)) continue;
    const repo = path.join(reposDir, instance.repo.replace('/', '__'));
    const files = await patchedFiles(repo, instance.base_commit, instance.patch);
    const opts = { reposDir, timeoutS: 1200 };
    const runs = [];
    for (const v of variants) {
      const plain = await loadInstanceProblem(instance, {
        ...opts,
        bytecodeCache: v.bytecodeCache,
        differential: { enabled: false },
      });
      const checked = await loadInstanceProblem(instance, { ...opts, bytecodeCache: v.bytecodeCache });
      rmSync(evaluatorCacheDir(plain), { recursive: true, force: true });
      rmSync(evaluatorCacheDir(checked), { recursive: true, force: true });
      const [coldS, cold] = await timed(async () => resultOf(await evaluateFiles(sandbox, checked, files)));
      if (!cold.correct)
        throw new Error(`${instance.instance_id}: the expert patch was refused: ${cold.feedback}`);
      // The plain package's first evaluation fills its own evaluator cache (its bytecode): not counted either.
      const [plainColdS] = await timed(async () => resultOf(await evaluateFiles(sandbox, plain, files)));
      runs.push({
        v,
        plain,
        checked,
        coldS,
        cold,
        plainColdS,
        evalS: [] as number[],
        warmS: [] as number[],
        evalX: [] as number[],
        warmX: [] as number[],
      });
    }
    const warmIn = new Map<string, number[]>();
    const warmSteps = new Map<string, Record<string, number>>();
    // Interleaved: every repeat evaluates each variant without and with the checks, one after the other.
    for (let i = 0; i < reps; i++) {
      for (const r of runs) {
        const [e, plainR] = await timed(async () => resultOf(await evaluateFiles(sandbox, r.plain, files)));
        r.evalS.push(e);
        r.evalX.push(Number(plainR.metrics.speedup));
        const [s, warm] = await timed(async () => resultOf(await evaluateFiles(sandbox, r.checked, files)));
        if (!warm.correct) throw new Error(`${instance.instance_id}: refused warm: ${warm.feedback}`);
        r.warmS.push(s);
        r.warmX.push(Number(warm.metrics.speedup));
        warmIn.set(r.v.name, [...(warmIn.get(r.v.name) ?? []), diffSeconds(warm)]);
        warmSteps.set(r.v.name, diffSteps(warm));
      }
    }
    for (const r of runs) {
      const e = median(r.evalS);
      rows.push({
        case: instance.instance_id,
        variant: r.v.name,
        evaluation_s: e,
        warm_s: median(r.warmS),
        warm_fraction: median(r.warmS) / e - 1,
        warm_inside_s: median(warmIn.get(r.v.name) ?? [NaN]),
        // The expert patch's speedup without and with the checks: their hashing must not dilute it (issue 17).
        speedup_plain: median(r.evalX),
        speedup_warm: median(r.warmX),
        speedup_plain_each: r.evalX,
        speedup_warm_each: r.warmX,
        cold_s: r.coldS,
        cold_inside_s: diffSeconds(r.cold),
        plain_first_s: r.plainColdS,
        eval_each_s: r.evalS,
        warm_each_s: r.warmS,
        warm_steps_last: warmSteps.get(r.v.name),
        loadavg: loadavg().map((l) => Number(l.toFixed(1))),
      });
      if (!args.json) process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    }
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
    'instance                 bytecode  eval s | warm: with checks  added  inside s | cold: with checks  inside s | speedup: off  on\n',
  );
  for (const r of rows)
    process.stdout.write(
      `${String(r.case).padEnd(24)} ${String(r.variant).padEnd(7)}${f(r.evaluation_s).padStart(8)} | ${f(r.warm_s).padStart(17)}  ${pct(r.warm_fraction).padStart(5)}  ${f(r.warm_inside_s).padStart(8)} | ${f(r.cold_s).padStart(17)}  ${f(r.cold_inside_s).padStart(8)} | ${f(r.speedup_plain, 2).padStart(12)} ${f(r.speedup_warm, 2).padStart(4)}\n`,
    );
}
