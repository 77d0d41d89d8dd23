// KernelBench on CPU: stage time limits from problem.yaml, determinism within the tolerance, a dead child's error shown.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importKernelBench } from '../problems/src/kernelbench/import.js';
import { loadProblem } from '../problems/src/load.js';
import { cleanupTemps, KERNEL_FIXTURES, runEvaluator } from './fixtures/kernels/run-evaluator.js';
import { loudSkip, pythonLacks } from './helpers/python-modules.js';

const skip = loudSkip('kernelbench-cpu', pythonLacks(['torch']));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  cleanupTemps();
});

function imported(file: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-kbcpu-'));
  dirs.push(dir);
  importKernelBench(file, path.join(dir, 'pkg'));
  const problem = loadProblem(path.join(dir, 'pkg'));
  return { problem, seed: readFileSync(path.join(problem.seedDir, 'model_new.py'), 'utf8') };
}

describe.skipIf(skip)('KernelBench on CPU', () => {
  it('an unchanged reference whose output moves by 1e-9 run to run passes (the candidate may vary as the reference does)', async () => {
    const { problem, seed } = imported(path.join(KERNEL_FIXTURES, 'peers/kb_noisy_state.py'));
    const { result } = await runEvaluator(problem, 'model_new.py', seed, 'screen', { ADRS_DEVICE: 'cpu' });
    expect(result.correct, result.feedback).toBe(true);
    expect(result.checks.map((c: { name: string }) => c.name)).toContain('deterministic');
  }, 120_000);

  it('a candidate that varies far more than that reference (1e-5, still within 1e-4) is refused', async () => {
    const { problem, seed } = imported(path.join(KERNEL_FIXTURES, 'peers/kb_noisy_state.py'));
    const noisy = seed.replace('h0 * 1e-9', 'h0 * 1e-5');
    expect(noisy).not.toBe(seed);
    const { result } = await runEvaluator(problem, 'model_new.py', noisy, 'screen', { ADRS_DEVICE: 'cpu' });
    expect(result.correct).toBe(false);
    expect(result.checks.at(-1)).toMatchObject({ name: 'deterministic', ok: false });
  }, 120_000);

  it('a candidate that cannot import a module shows the ModuleNotFoundError in its feedback', async () => {
    const { problem, seed } = imported(path.join(KERNEL_FIXTURES, 'kb_row_softmax.py'));
    const broken = 'import einops_is_not_installed_here\n' + seed;
    const { result } = await runEvaluator(problem, 'model_new.py', broken, 'screen', { ADRS_DEVICE: 'cpu' });
    expect(result.correct).toBe(false);
    expect(result.feedback).toMatch(/ModuleNotFoundError: No module named 'einops_is_not_installed_here'/);
  }, 120_000);

  it('a problem whose inputs do not fit in memory is refused with one clear message naming the setting', async () => {
    const { problem, seed } = imported(path.join(KERNEL_FIXTURES, 'peers/kb_huge_inputs.py'));
    const { result } = await runEvaluator(problem, 'model_new.py', seed, 'screen', { ADRS_DEVICE: 'cpu' });
    expect(result.correct).toBe(false);
    expect(result.checks.at(-1)).toMatchObject({ name: 'memory', ok: false });
    expect(result.feedback).toMatch(
      /do not fit in the memory limit .*raise resources.memory_mb in problem.yaml/s,
    );
  }, 120_000);

  it("the child's limit comes from the stage's problem.yaml timeout, and running past it is a timeout check", async () => {
    const { problem, seed } = imported(path.join(KERNEL_FIXTURES, 'kb_row_softmax.py'));
    const slow = seed.replace('import torch\n', 'import time\nimport torch\ntime.sleep(60)\n');
    const started = Date.now();
    const { result } = await runEvaluator(problem, 'model_new.py', slow, 'screen', {
      ADRS_DEVICE: 'cpu',
      ADRS_TIMEOUT_S: '12',
    });
    expect(Date.now() - started).toBeLessThan(45_000); // 12 s less the 5 s margin, not the 150 s default
    expect(result.correct).toBe(false);
    expect(result.checks.at(-1)).toMatchObject({ name: 'timeout', ok: false });
    expect(result.feedback).toMatch(/did not finish within 7 s/);
  }, 120_000);
});
