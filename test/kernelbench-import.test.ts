// KernelBench import: our KernelBench-style files become valid packages whose seed (ModelNew = the reference) is judged correct on CPU.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { importKernelBench, kernelBenchName, kernelBenchSeed } from '../problems/src/kernelbench/import.js';
import { loadProblem } from '../problems/src/load.js';
import {
  cleanupTemps,
  KERNEL_FIXTURES,
  runEvaluator,
  torchMissing,
} from './fixtures/kernels/run-evaluator.js';

const FILES = ['kb_square_matmul.py', 'kb_matmul_relu_scale.py', 'kb_row_softmax.py'];
const dirs: string[] = [];
const fresh = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-kb-'));
  dirs.push(dir);
  return path.join(dir, 'pkg');
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  cleanupTemps();
});

describe('importKernelBench', () => {
  it('writes a package that loadProblem accepts, with ModelNew in an EVOLVE-BLOCK and the reference held by the evaluator', () => {
    const file = path.join(KERNEL_FIXTURES, 'kb_matmul_relu_scale.py');
    const out = fresh();
    const made = importKernelBench(file, out);
    expect(made.name).toBe('kb-matmul-relu-scale');
    const problem = loadProblem(out);
    expect(problem.spec.name).toBe('kb-matmul-relu-scale');
    expect(problem.spec.seed.files).toEqual(['model_new.py']);
    expect(problem.spec.primary).toBe('speedup');
    expect(problem.spec.resources.gpus).toBe(1);
    expect(problem.spec.sandbox.image).toBe('adrs-cuda');
    expect(problem.spec.description).toContain('class Model(nn.Module)');
    const seed = readFileSync(path.join(problem.seedDir, 'model_new.py'), 'utf8');
    const block = seed.slice(seed.indexOf('EVOLVE-BLOCK-START'), seed.indexOf('EVOLVE-BLOCK-END'));
    expect(block).toContain('class ModelNew(nn.Module):');
    expect(seed).not.toMatch(/class Model\b|def get_inputs|def get_init_inputs/);
    expect(readFileSync(path.join(problem.evaluatorDir, 'reference.py'), 'utf8')).toBe(
      readFileSync(file, 'utf8'),
    );
    // The kernel harness is not copied: the platform mounts evaluators/harness for every evaluator.
    expect(existsSync(path.join(problem.evaluatorDir, 'adrs_kernel_guard.py'))).toBe(false);
    expect(existsSync(path.join(problem.evaluatorDir, 'kernelbench_evaluate.py'))).toBe(true);
  });

  it('renames super(Model, self) and names problems after the file', () => {
    const seed = kernelBenchSeed(
      'x.py',
      'class Model(nn.Module):\n    def __init__(self):\n        super(Model, self).__init__()\n',
    );
    expect(seed).toContain('super(ModelNew, self).__init__()');
    expect(kernelBenchName('level1/1_Square_matrix_multiplication_.py')).toBe(
      'kb-1-square-matrix-multiplication',
    );
  });

  it('refuses a file that is not a KernelBench problem, naming what is missing, and a non-empty output folder', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-kb-bad-'));
    dirs.push(dir);
    const bad = path.join(dir, 'not_kb.py');
    writeFileSync(bad, 'class Model:\n    pass\n');
    expect(() => importKernelBench(bad, path.join(dir, 'out'))).toThrow(InputError);
    expect(() => importKernelBench(bad, path.join(dir, 'out'))).toThrow(
      /get_inputs\(\)`, a top-level `def get_init_inputs/,
    );
    const out = fresh();
    importKernelBench(path.join(KERNEL_FIXTURES, 'kb_square_matmul.py'), out);
    expect(() => importKernelBench(path.join(KERNEL_FIXTURES, 'kb_square_matmul.py'), out)).toThrow(
      /not empty/,
    );
  });
});

const missing = torchMissing();
if (missing && process.env.CI !== 'true')
  console.warn(`\n!!! SKIPPING KernelBench CPU evaluations: ${missing}\n`);

describe.skipIf(Boolean(missing) && process.env.CI !== 'true')('KernelBench evaluator on CPU (torch)', () => {
  it('has torch', () => {
    expect(missing, missing).toBeUndefined();
  });

  for (const file of FILES) {
    it(`judges the seed of ${file} correct with KernelBench semantics`, async () => {
      const out = fresh();
      importKernelBench(path.join(KERNEL_FIXTURES, file), out);
      const problem = loadProblem(out);
      const seed = readFileSync(path.join(problem.seedDir, 'model_new.py'), 'utf8');
      const { result } = await runEvaluator(problem, 'model_new.py', seed, 'screen', { ADRS_DEVICE: 'cpu' });
      expect(result.correct, result.feedback).toBe(true);
      expect(result.feedback).toContain('correct on 5 trials (seeds from 42');
      expect(result.metrics.speedup).toBeGreaterThan(0);
      expect(result.metrics.excessive_speedup).toBe(0);
      expect(result.timings.kernel).toHaveLength(problem.spec.timing.screen_samples);
      // Every timed call on CPU (5 a batch) gets an input set of its own, and every batch taken is reported.
      expect(result.artifacts.timing_source).toMatch(/; 5 distinct input set\(s\) per batch of 5 calls$/);
      const batches = String(result.artifacts.timing_batches).split(' ');
      expect(batches.length).toBeGreaterThanOrEqual(problem.spec.timing.screen_samples);
      for (const b of batches) expect(b).toMatch(/^\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}$/);
      expect(result.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          'static',
          'plain-tensor',
          'fresh-output',
          'inputs-unchanged',
          'deterministic',
          'no-threads',
          'no-patching',
        ]),
      );
    });
  }

  it('verifies on seeds derived from ADRS_SEED, and the time stage only times (with a spot check)', async () => {
    const out = fresh();
    importKernelBench(path.join(KERNEL_FIXTURES, 'kb_square_matmul.py'), out);
    const problem = loadProblem(out);
    const seed = readFileSync(path.join(problem.seedDir, 'model_new.py'), 'utf8');
    const verify = await runEvaluator(problem, 'model_new.py', seed, 'verify', { ADRS_DEVICE: 'cpu' });
    expect(verify.result.correct, verify.result.feedback).toBe(true);
    expect(verify.result.feedback).not.toContain('seeds from 42');
    const time = await runEvaluator(problem, 'model_new.py', seed, 'time', {
      ADRS_DEVICE: 'cpu',
      ADRS_SAMPLES: '2',
    });
    expect(time.result.correct, time.result.feedback).toBe(true);
    expect(time.result.timings.kernel).toHaveLength(2);
    expect(time.result.checks.map((c) => c.name)).toContain('correct-when-timed');
  });

  it('fails a ModelNew that computes something else, naming the trial and the difference', async () => {
    const out = fresh();
    importKernelBench(path.join(KERNEL_FIXTURES, 'kb_row_softmax.py'), out);
    const problem = loadProblem(out);
    const wrong = readFileSync(path.join(problem.seedDir, 'model_new.py'), 'utf8').replace(
      'torch.softmax(x, dim=self.dim)',
      'torch.softmax(x * 1.001, dim=self.dim)',
    );
    const { result } = await runEvaluator(problem, 'model_new.py', wrong, 'screen', { ADRS_DEVICE: 'cpu' });
    expect(result.correct).toBe(false);
    expect(result.feedback).toMatch(/^correct: wrong result on trial 0 \(seed \d+\): max \|out - ref\| = /);
  });
});
