// The moe-grouped-gemm package: knobs, the shared harness, and its evaluator on CPU (torch fallback) for the seed and broken kernels.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';
import { currentAssignment, parseKnobs } from '../orchestrator/knobs/parse.js';
import { loadProblem, type LoadedProblem } from '../problems/src/load.js';
import {
  cleanupTemps,
  failedCheck,
  KERNEL_FIXTURES,
  runEvaluator,
  torchMissing,
} from './fixtures/kernels/run-evaluator.js';

const ROOT = path.resolve(import.meta.dirname, '..');
let problem: LoadedProblem;
let seed: string;
beforeAll(() => {
  problem = loadProblem(path.join(ROOT, 'problems', 'moe-grouped-gemm'));
  seed = readFileSync(path.join(problem.seedDir, 'grouped_gemm.py'), 'utf8');
});
afterAll(cleanupTemps);

describe('moe-grouped-gemm package', () => {
  it('declares the Triton schedule knobs inside the EVOLVE-BLOCK and asks for one GPU in the CUDA image', () => {
    const knobs = parseKnobs(seed, 'grouped_gemm.py');
    expect(currentAssignment(knobs)).toEqual({
      BLOCK_M: 64,
      BLOCK_N: 64,
      BLOCK_K: 32,
      num_warps: 4,
      num_stages: 3,
      GROUP_SIZE_M: 8,
    });
    const lines = seed.split('\n');
    const start = lines.findIndex((l) => l.includes('EVOLVE-BLOCK-START')) + 1;
    const end = lines.findIndex((l) => l.includes('EVOLVE-BLOCK-END')) + 1;
    for (const k of knobs) expect(k.line > start && k.line < end, k.name).toBe(true);
    expect(seed).toMatch(/@triton\.jit[\s\S]*tl\.dot/);
    expect(problem.spec.resources.gpus).toBe(1);
    expect(problem.spec.sandbox.image).toBe('adrs-cuda');
  });

  it('uses the shared kernel harness (evaluators/harness/kernel) instead of carrying copies', () => {
    const harness = readdirSync(path.join(ROOT, 'evaluators', 'harness', 'kernel')).filter((f) =>
      f.endsWith('.py'),
    );
    expect(harness.length).toBeGreaterThanOrEqual(5);
    const own = readdirSync(problem.evaluatorDir);
    for (const f of harness) expect(own, f).not.toContain(f);
  });

  it('has screen and held-out shapes with an empty expert, uneven routing and timed shapes', () => {
    for (const dir of [problem.screenWorkloadsDir!, problem.verifyWorkloadsDir!]) {
      const loads = readdirSync(dir).map(
        (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>,
      );
      expect(loads.some((w) => Array.isArray(w.counts) && (w.counts as number[]).includes(0))).toBe(true);
      expect(loads.some((w) => (w.zero_experts as number) > 0)).toBe(true);
      expect(loads.some((w) => w.time === true)).toBe(true);
    }
  });
});

const missing = torchMissing();
if (missing && process.env.CI !== 'true')
  console.warn(`\n!!! SKIPPING moe-grouped-gemm CPU evaluations: ${missing}\n`);

describe.skipIf(Boolean(missing) && process.env.CI !== 'true')(
  'moe-grouped-gemm evaluator on CPU (torch fallback)',
  () => {
    it('has torch', () => {
      expect(missing, missing).toBeUndefined();
    });

    it('evaluates through the real sandbox with the mounted harness: adrs eval problems/moe-grouped-gemm', async () => {
      let out = '';
      const db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-moe-cli-')), 'adrs.db');
      const code = await runCli(['eval', 'problems/moe-grouped-gemm', '--json', '--db', db], {
        stdout: { write: (t: string) => (out += t) },
        stderr: { write: () => true },
      });
      const res = JSON.parse(out.trim());
      expect(code, res.feedback).toBe(0);
      expect(res.status).toBe('ok');
      expect(res.metrics.speedup_vs_torch).toBeGreaterThan(0);
    }, 120_000);

    it('judges the seed correct on every screen shape, with timing samples and the torch baseline', async () => {
      const { result } = await runEvaluator(problem, 'grouped_gemm.py', seed, 'screen', {
        ADRS_DEVICE: 'cpu',
      });
      expect(result.correct, result.feedback).toBe(true);
      expect(result.feedback).toMatch(/correct on 8 random input sets \(4 shapes: 01-uneven-small.json/);
      expect(result.timings.kernel).toHaveLength(problem.spec.timing.screen_samples);
      expect(result.metrics.tflops).toBeGreaterThan(0);
      expect(result.metrics.speedup_vs_torch).toBeGreaterThan(0);
      expect(result.artifacts.device).toContain('cpu');
    });

    it('judges the seed correct on the held-out shapes (a single token, 2 empty experts, odd sizes)', async () => {
      const { result } = await runEvaluator(problem, 'grouped_gemm.py', seed, 'verify', {
        ADRS_DEVICE: 'cpu',
      });
      expect(result.correct, result.feedback).toBe(true);
      expect(result.feedback).toContain('01-single-token.json');
    });

    const broken: [string, string, RegExp][] = [
      ['cached_by_shape.py', 'correct', /wrong result on 01-uneven-small\.json .* trial 1\)/],
      ['skips_empty_check.py', 'correct', /wrong result on 01-uneven-small\.json/],
      ['mutates_offsets.py', 'inputs-unchanged', /input 2 was modified/],
    ];
    for (const [file, check, feedback] of broken) {
      it(`refuses ${file} (${check})`, async () => {
        const source = readFileSync(path.join(KERNEL_FIXTURES, 'moe', file), 'utf8');
        const { result } = await runEvaluator(problem, 'grouped_gemm.py', source, 'screen', {
          ADRS_DEVICE: 'cpu',
        });
        expect(result.correct).toBe(false);
        expect(failedCheck(result)).toBe(check);
        expect(result.feedback).toMatch(feedback);
      });
    }

    it('refuses an fp8 downcast statically (the dtype policy of a half-precision problem)', async () => {
      const source = seed.replace(
        'acc += tl.dot(a, b)',
        'acc += tl.dot(a.to(tl.float8e4nv), b.to(tl.float8e4nv))',
      );
      const { result } = await runEvaluator(problem, 'grouped_gemm.py', source, 'screen', {
        ADRS_DEVICE: 'cpu',
      });
      expect(failedCheck(result)).toBe('static:precision');
    });
  },
);
