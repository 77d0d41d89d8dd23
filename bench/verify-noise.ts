// Benchmark of the verifier's error rates on this machine: A/A trials (false verification) and true-speedup trials (power).
//
// Each trial is a full sequential verification of a tiny C program against itself (A/A) or against a
// copy doing 1/(1+effect) of the work (true speedup = 1+effect), one fresh process per sample; the
// verdict is the paired one (ratio within each A/B pair), the independent-groups verdict is counted too.
// --path direct: fresh processes spawned directly (the verifier's timing loop and statistics, no sandbox);
// --path sandbox: the whole verifyCandidate path through the local sandbox (~60 ms per sample here);
// --path replay: --pool real A/A pairs are measured once (fresh processes, as direct), then every trial
//   draws its pairs from that pool (the candidate's value divided by 1+effect): the same statistics on
//   this machine's measured noise, fast enough for hundreds of trials on a loaded machine (it keeps the
//   noise's distribution, not its drift over time). --pool-file F saves the pool there, or reads it when F exists.
//
//   node --import tsx bench/verify-noise.ts [--trials 200] [--path direct|sandbox|replay] [--pool 400] [--pool-file F] [--effects 0.02,0.05,0.10] [--work-ms 1] [--reps 5]
//       [--min-samples 10] [--max-samples 40] [--extended-max-samples 200] [--extend-step 10] [--precision 0.02] [--min-effect 0.01] [--json]
// --extended-max-samples N: runs still ambiguous at --max-samples go on to N pairs (stats/sequential.ts); 0 = none;
// absent = the problem.yaml default, 5 x --max-samples (200).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { median, sampleStandardDeviation } from 'simple-statistics';
import { hostFingerprint } from '../evaluators/fingerprint.js';
import { bootstrapRatioOfMedians } from '../evaluators/stats/bootstrap.js';
import { judgeSpeedup } from '../evaluators/stats/judge.js';
import { judgeTimedRun } from '../evaluators/verify-judge.js';
import { seededRandom } from '../evaluators/stats/rng.js';
import { interleavedTiming, type InterleavedResult, type Measurement } from '../evaluators/verify-timing.js';
import { verifyCandidate, DEFAULT_PRECISION } from '../evaluators/verify.js';
import { finalConfidence } from '../evaluators/stats/sequential.js';
import { DEFAULT_EXTENSION_FACTOR } from '../problems/src/schema.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import { DEFAULT_LIMITS } from '../sandboxes/types.js';

const SPIN_C = String.raw`
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
/* Reads "ITERS REPS" from ./iters, times REPS runs of ITERS LCG steps, writes them as an adrs result. */
int main(void) {
  FILE *f = fopen("iters", "r");
  long n = 0, reps = 1;
  if (!f || fscanf(f, "%ld %ld", &n, &reps) != 2 || reps < 1 || reps > 100) return 2;
  fclose(f);
  double t[100];
  volatile unsigned long x = 1;
  for (long r = 0; r < reps; r++) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) x = x * 6364136223846793005ul + 1442695040888963407ul;
    clock_gettime(CLOCK_MONOTONIC, &b);
    t[r] = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
  }
  const char *out = getenv("ADRS_RESULT");
  FILE *o = out ? fopen(out, "w") : stdout;
  if (!o) return 3;
  fprintf(o, "{\"correct\":true,\"metrics\":{\"t\":%.9f},\"timings\":{\"spin\":[", t[0]);
  for (long r = 0; r < reps; r++) fprintf(o, "%s%.9f", r ? "," : "", t[r]);
  fprintf(o, "]}}\n");
  if (o != stdout) fclose(o);
  return 0;
}
`;

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '200' },
    path: { type: 'string', default: 'direct' },
    pool: { type: 'string', default: '400' },
    'pool-file': { type: 'string' },
    effects: { type: 'string', default: '0.02,0.05,0.10' },
    'work-ms': { type: 'string', default: '1' },
    reps: { type: 'string', default: '5' },
    'min-samples': { type: 'string', default: '10' },
    'max-samples': { type: 'string', default: '40' },
    'extended-max-samples': { type: 'string' },
    'extend-step': { type: 'string', default: '10' },
    precision: { type: 'string', default: String(DEFAULT_PRECISION) },
    'min-effect': { type: 'string', default: '0.01' },
    json: { type: 'boolean', default: false },
  },
});
const trials = Number(args.trials);
const reps = Number(args.reps);
const effects = args.effects.split(',').map(Number);
if (effects.some((e) => !(e > 0))) throw new Error('--effects: give positive fractions, e.g. 0.02,0.05');
// Absent: problem.yaml's default (timing.extended_max_samples left out = 5 x max_samples).
const extendedCap = Number(
  args['extended-max-samples'] ?? DEFAULT_EXTENSION_FACTOR * Number(args['max-samples']),
);
const policy = {
  minSamples: Number(args['min-samples']),
  maxSamples: Number(args['max-samples']),
  ...(extendedCap > Number(args['max-samples'])
    ? { extendedMaxSamples: extendedCap, extendStep: Number(args['extend-step']) }
    : {}),
  precision: Number(args.precision),
  minEffect: Number(args['min-effect']),
  confidence: 0.95,
};
if (!['direct', 'sandbox', 'replay'].includes(args.path))
  throw new Error('--path: use direct, sandbox or replay');

const root = mkdtempSync(path.join(os.tmpdir(), 'adrs-verify-noise-'));
const evaluatorDir = path.join(root, 'evaluator');
mkdirSync(evaluatorDir);
writeFileSync(path.join(root, 'spin.c'), SPIN_C);
execFileSync('cc', ['-O2', '-o', path.join(evaluatorDir, 'spin'), path.join(root, 'spin.c')]);
const spin = path.join(evaluatorDir, 'spin');

function workspace(name: string, iters: number): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'iters'), `${Math.round(iters)} ${reps}`);
  return dir;
}

async function direct(dir: string): Promise<Measurement> {
  const result = path.join(dir, 'result.json');
  const res = await execa(spin, [], {
    cwd: dir,
    env: { ADRS_RESULT: result },
    extendEnv: false,
    reject: false,
  });
  if (res.exitCode !== 0) return { ok: false, reason: `exit ${res.exitCode}` };
  const parsed = JSON.parse(readFileSync(result, 'utf8')) as { timings: { spin: number[] } };
  rmSync(result);
  return { ok: true, value: median(parsed.timings.spin) }; // as verifyCandidate does: the median of a process's values
}

// Calibrate: iterations for about --work-ms of work per repetition (median of 15 runs).
const probe = workspace('probe', 1_000_000);
const probeTimes: number[] = [];
for (let i = 0; i < 15; i++) {
  const m = await direct(probe);
  if (m.ok) probeTimes.push(m.value);
}
const iters = (1_000_000 * Number(args['work-ms'])) / 1000 / median(probeTimes);

// Replay: real A/A pairs (order shuffled within each pair), measured once.
const pool: Array<[number, number]> = [];
if (args.path === 'replay' && args['pool-file'] && existsSync(args['pool-file'])) {
  pool.push(...(JSON.parse(readFileSync(args['pool-file'], 'utf8')) as Array<[number, number]>));
  process.stderr.write(`pool: ${pool.length} pairs read from ${args['pool-file']}\n`);
} else if (args.path === 'replay') {
  const a = workspace('pool-a', iters);
  const b = workspace('pool-b', iters);
  const rand = seededRandom(77);
  const poolStarted = Date.now();
  while (pool.length < Number(args.pool)) {
    const aFirst = rand() < 0.5;
    const first = await direct(aFirst ? a : b);
    const second = await direct(aFirst ? b : a);
    if (!first.ok || !second.ok) throw new Error('pool: a timing process failed');
    pool.push(aFirst ? [first.value, second.value] : [second.value, first.value]);
  }
  if (args['pool-file']) writeFileSync(args['pool-file'], JSON.stringify(pool));
  const d = pool.map(([x, y]) => Math.log(x) - Math.log(y));
  process.stderr.write(
    `pool: ${pool.length} real A/A pairs in ${((Date.now() - poolStarted) / 1000).toFixed(0)} s; per-pair log-ratio sd ${(sampleStandardDeviation(d) * 100).toFixed(2)}%\n`,
  );
}

async function replay(index: number, effect: number): Promise<InterleavedResult> {
  const rand = seededRandom(0xbeef + index);
  const draws = new Map<number, [number, number]>();
  const seed = 1000 + index;
  return interleavedTiming({
    key: 'spin',
    policy,
    seed,
    randomizeOrder: true,
    measure: (arm, pair) => {
      if (!draws.has(pair)) draws.set(pair, pool[Math.floor(rand() * pool.length)]!);
      const [base, cand] = draws.get(pair)!;
      return Promise.resolve({ ok: true, value: arm === 'baseline' ? base : cand / effect });
    },
  });
}

const sandbox = new LocalSandbox();
const target = { command: ['{problem}/spin'], evaluatorDir, limits: DEFAULT_LIMITS };

interface Trial {
  verified: boolean;
  /** What the independent-groups analysis (ratio of medians) would have said on the same samples. */
  independentVerified: boolean;
  mde90: number;
  speedup: number;
  samplesPerArm: number;
  stop: string;
}

async function trial(index: number, candidateIters: number): Promise<Trial> {
  const base = workspace(`t${index}-base`, iters);
  const cand = workspace(`t${index}-cand`, candidateIters);
  const seed = 1000 + index;
  try {
    if (args.path === 'sandbox') {
      const { verdict } = await verifyCandidate({
        sandbox,
        candidateId: `t${index}`,
        candidateDir: cand,
        baselineDir: base,
        targets: { verify: target, time: target },
        timing: { key: 'spin', ...policy },
        primary: { name: 't', direction: 'minimize' },
        seed,
        fingerprint: {},
      });
      const stop = /stopped: ([\w-]+)/.exec(verdict.reason)?.[1] ?? verdict.reason;
      const m = verdict.metrics ?? {};
      return {
        verified: verdict.verified,
        independentVerified: (m['timing.independent_ci_low'] ?? 0) > 1 + policy.minEffect,
        mde90: m['timing.mde90'] ?? NaN,
        speedup: verdict.speedup ?? NaN,
        samplesPerArm: verdict.nCandidate ?? 0,
        stop,
      };
    }
    const run =
      args.path === 'replay'
        ? await replay(index, iters / candidateIters)
        : await interleavedTiming({
            key: 'spin',
            policy,
            seed,
            randomizeOrder: true,
            measure: (arm) => direct(arm === 'candidate' ? cand : base),
          });
    if (run.stop === 'failed') throw new Error(`trial ${index}: ${run.failure?.reason}`);
    const judged = judgeTimedRun(run, { ...policy, seed });
    const independent = bootstrapRatioOfMedians(run.baseline, run.candidate, { seed });
    return {
      verified: judged.verified,
      independentVerified: judgeSpeedup(independent, policy.minEffect).verified,
      mde90: judged.mde90,
      speedup: judged.interval.estimate,
      samplesPerArm: run.candidate.length,
      stop: run.stop,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
    rmSync(cand, { recursive: true, force: true });
  }
}

async function scenario(name: string, candidateIters: number, offset: number) {
  const started = Date.now();
  const results: Trial[] = [];
  for (let i = 0; i < trials; i++) {
    results.push(await trial(offset + i, candidateIters));
    if ((i + 1) % 25 === 0) process.stderr.write(`${name}: ${i + 1}/${trials} trials\n`);
  }
  const verified = results.filter((r) => r.verified).length;
  const independentVerified = results.filter((r) => r.independentVerified).length;
  const stops: Record<string, number> = {};
  for (const r of results) stops[r.stop] = (stops[r.stop] ?? 0) + 1;
  const n = results.map((r) => r.samplesPerArm);
  return {
    name,
    trials: results.length,
    verified,
    rate: verified / results.length,
    independentVerified,
    independentRate: independentVerified / results.length,
    medianMde90: median(results.map((r) => r.mde90)),
    samplesPerArm: {
      mean: n.reduce((a, b) => a + b, 0) / n.length,
      median: median(n),
      max: Math.max(...n),
      total: 2 * n.reduce((a, b) => a + b, 0),
    },
    medianSpeedup: median(results.map((r) => r.speedup)),
    stops,
    seconds: (Date.now() - started) / 1000,
  };
}

const aa = await scenario('A/A (identical programs)', iters, 0);
const abs: Awaited<ReturnType<typeof scenario>>[] = [];
for (const [k, effect] of effects.entries())
  abs.push(
    await scenario(`true speedup ${(1 + effect).toFixed(2)}x`, iters / (1 + effect), 100_000 * (k + 1)),
  );
const host = await hostFingerprint();
const report = {
  machine: { cpu: host.cpu, os: host.os, load: os.loadavg(), node: process.version },
  path: args.path,
  workMs: Number(args['work-ms']),
  reps,
  iters: Math.round(iters),
  policy,
  falseVerificationRate: aa.rate,
  power: Object.fromEntries(effects.map((e, k) => [String(e), abs[k]!.rate])),
  scenarios: [aa, ...abs],
};
if (args.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(
    `machine: ${host.cpu.model} x${host.cpu.count}, ${host.os.distro}, kernel ${host.os.release}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `path: ${args.path}; program: ${reps} timed repetitions of ${Math.round(iters)} LCG steps (~${args['work-ms']} ms each) per process, one fresh process per sample (its value: the median of its repetitions)`,
  );
  console.log(
    `policy: min ${policy.minSamples} / max ${policy.maxSamples} pairs${policy.extendedMaxSamples ? ` (extended to ${policy.extendedMaxSamples} when ambiguous, looks every ${policy.extendStep}; verdict at ${finalConfidence(policy) * 100}%)` : ''}, precision ±${policy.precision * 100}%, min_effect ${policy.minEffect * 100}%, ${policy.confidence * 100}% paired bootstrap CI (median log ratio within pairs), early stop for a clear win at p < 0.001`,
  );
  for (const s of [aa, ...abs]) {
    console.log(
      `${s.name}: verified ${s.verified}/${s.trials} = ${(s.rate * 100).toFixed(1)}% (independent groups: ${(s.independentRate * 100).toFixed(1)}%); median MDE(90%) ${(s.medianMde90 * 100).toFixed(1)}%; pairs mean ${s.samplesPerArm.mean.toFixed(1)}, median ${s.samplesPerArm.median}, max ${s.samplesPerArm.max} (${s.samplesPerArm.total} processes); median speedup ${s.medianSpeedup.toFixed(4)}; stops ${JSON.stringify(s.stops)}; ${s.seconds.toFixed(0)} s`,
    );
  }
  console.log(
    `false verification rate ${(aa.rate * 100).toFixed(1)}% (must be <= 1%); power ${effects
      .map((e, k) => `at ${(1 + e).toFixed(2)}x ${(abs[k]!.rate * 100).toFixed(1)}%`)
      .join(', ')} (goal >= 90% at 1.02x)`,
  );
}
await sandbox.dispose();
rmSync(root, { recursive: true, force: true });
