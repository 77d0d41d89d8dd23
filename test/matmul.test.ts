// The matmul-cpu problem package: its evaluator run as a subprocess on the seed, a knob-tuned seed and broken kernels.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stage } from '../evaluators/result.js';
import { applyKnobs } from '../orchestrator/knobs/apply.js';
import { currentAssignment, parseKnobs, type KnobValue } from '../orchestrator/knobs/parse.js';
import { loadProblem, type LoadedProblem } from '../problems/src/load.js';
import { cleanupTemps, runEvaluator, type EvalRun } from './helpers/run-evaluator.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'matmul');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

let problem: LoadedProblem;
let seed: string;

beforeAll(() => {
  problem = loadProblem(path.join(ROOT, 'problems', 'matmul-cpu'));
  seed = readFileSync(path.join(problem.seedDir, 'matmul.c'), 'utf8');
});
afterAll(cleanupTemps);

/** Runs the problem's evaluator command on `source` as matmul.c in a fresh workspace. */
function evaluate(source: string, stage: Stage, env: Record<string, string> = {}): Promise<EvalRun> {
  return runEvaluator(problem, 'matmul.c', source, stage, env);
}

describe('matmul-cpu package', () => {
  it('loads, and its seed declares the schedule knobs inside the EVOLVE-BLOCK', () => {
    expect(problem.spec.name).toBe('matmul-cpu');
    expect(problem.spec.seed.files).toEqual(['matmul.c']);
    expect(problem.spec.timing.key).toBe('kernel');
    const knobs = parseKnobs(seed, 'matmul.c');
    expect(knobs.map((k) => k.name)).toEqual(['TILE_I', 'TILE_J', 'TILE_K', 'LOOP_ORDER', 'UNROLL']);
    expect(currentAssignment(knobs)).toEqual({
      TILE_I: 256,
      TILE_J: 256,
      TILE_K: 256,
      LOOP_ORDER: 0,
      UNROLL: 1,
    });
    const lines = seed.split('\n');
    const start = lines.findIndex((l) => l.includes('EVOLVE-BLOCK-START')) + 1;
    const end = lines.findIndex((l) => l.includes('EVOLVE-BLOCK-END')) + 1;
    for (const k of knobs) expect(k.line > start && k.line < end, k.name).toBe(true);
  });
});

describe('matmul-cpu evaluator', () => {
  let seedGflops = 0;

  it('judges the seed correct on every screen shape and reports timing samples', async () => {
    const { result, workspaceFiles } = await evaluate(seed, 'screen');
    expect(result.correct, result.feedback).toBe(true);
    expect(result.metrics.gflops).toBeGreaterThan(0);
    expect(result.metrics.kernel_time_s).toBeGreaterThan(0);
    expect(result.timings.kernel).toHaveLength(problem.spec.timing.screen_samples);
    const checked = result.checks.filter((c) => c.name.startsWith('check ')).map((c) => c.name);
    expect(checked).toEqual(
      expect.arrayContaining(['check 64x64x64', 'check 100x100x100', 'check 37x129x71']),
    );
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect(workspaceFiles).toEqual(['matmul.c']); // the build folder is removed
    seedGflops = result.metrics.gflops!;
  });

  it('judges a better knob assignment (applied with applyKnobs) correct', async () => {
    const assignment = JSON.parse(fixture('faster-knobs.json')) as Record<string, KnobValue>;
    const tuned = applyKnobs(seed, assignment, 'matmul.c');
    expect(currentAssignment(parseKnobs(tuned))).toEqual(assignment);
    const { result } = await evaluate(tuned, 'screen');
    expect(result.correct, result.feedback).toBe(true);
    expect(result.metrics.gflops).toBeGreaterThan(0);
    console.log(
      `matmul-cpu screen: seed ${seedGflops.toFixed(2)} GFLOP/s, tuned knobs ${result.metrics.gflops!.toFixed(2)} GFLOP/s`,
    );
  });

  it('names the first wrong element of a kernel that is wrong only for sizes off its block size', async () => {
    const { result } = await evaluate(fixture('wrong-edges.c'), 'screen');
    expect(result.correct).toBe(false);
    expect(result.metrics).toEqual({});
    expect(result.feedback).toContain('shape n=100, m=100, k=100: C[0][96] (flat index 96)');
    expect(result.checks.find((c) => c.name === 'check 64x64x64')?.ok).toBe(true);
    expect(result.checks.find((c) => c.name === 'check 100x100x100')?.ok).toBe(false);
  });

  it('passes the compiler message on for a kernel that does not compile', async () => {
    const { result } = await evaluate(fixture('no-compile.c'), 'screen');
    expect(result.correct).toBe(false);
    expect(result.feedback).toMatch(/does not compile/);
    expect(result.feedback).toMatch(/matmul\.c:4:\d+: error: .*TILE_Q.* undeclared/);
    expect(result.artifacts.compiler_stderr).toContain('TILE_Q');
  });

  it('refuses exported helpers (they could replace the harness clock) and kernels that leave C unset', async () => {
    const exported = await evaluate(fixture('exports-helper.c'), 'screen');
    expect(exported.result.correct).toBe(false);
    expect(exported.result.feedback).toMatch(/exports symbols other than matmul: clock_gettime.*static/);
    const accumulating = await evaluate(fixture('accumulates.c'), 'screen');
    expect(accumulating.result.correct).toBe(false);
    expect(accumulating.result.feedback).toMatch(/C\[0\]\[0\] \(flat index 0\) = nan/);
  });

  it('attributes a crash to its signal and shape', async () => {
    const { result } = await evaluate(fixture('crashes-off-block.c'), 'screen');
    expect(result.correct).toBe(false);
    expect(result.feedback).toContain('crashed with SIGSEGV during the check of shape 100x100x100');
    expect(result.feedback).toContain('Shapes that passed: 64x64x64.');
  });

  it('ignores result lines that the kernel prints itself', async () => {
    const { result } = await evaluate(fixture('prints-fake-timing.c'), 'screen', { ADRS_SAMPLES: '2' });
    expect(result.correct, result.feedback).toBe(true);
    expect(result.timings.kernel).toHaveLength(2);
    expect(Math.min(...result.timings.kernel!)).toBeGreaterThan(1e-9);
    expect(result.artifacts.kernel_output).toContain('"wall":[1e-9]');
  });

  it('verifies on the held-out shapes and times them', async () => {
    const { result } = await evaluate(seed, 'verify', { ADRS_SAMPLES: '2' });
    expect(result.correct, result.feedback).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['check 1x1x1', 'check 333x301x255']),
    );
    expect(result.checks.some((c) => c.name === 'check 64x64x64')).toBe(false);
    expect(result.timings.kernel).toHaveLength(2);
    expect(result.feedback).toContain('480x512x496');
  });

  it('returns ADRS_SAMPLES samples in stage time without a full correctness pass', async () => {
    const { result } = await evaluate(seed, 'time', { ADRS_SAMPLES: '2' });
    expect(result.correct, result.feedback).toBe(true);
    expect(result.timings.kernel).toHaveLength(2);
    expect(result.checks.some((c) => c.name.startsWith('check '))).toBe(false);
    const wrong = await evaluate(fixture('accumulates.c'), 'time');
    expect(wrong.result.correct).toBe(false);
    expect(wrong.result.feedback).toMatch(/during timing of shape 512x512x512: wrong result/);
  });
});
