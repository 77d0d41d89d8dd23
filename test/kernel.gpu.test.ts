// GPU checks of the kernel problems: the Triton seed on CUDA, CUDA-event timing with cold L2 bounded by the parent's
// clock, and the side-stream exploit. Not run in this project's CI (no GPU): they skip loudly without one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importKernelBench } from '../problems/src/kernelbench/import.js';
import { loadProblem } from '../problems/src/load.js';
import {
  cleanupTemps,
  failedCheck,
  gpuMissing,
  KERNEL_FIXTURES,
  runEvaluator,
} from './fixtures/kernels/run-evaluator.js';

// Runs wherever a GPU is present; skips loudly elsewhere (CI machines have none). ADRS_REQUIRE_GPU=1 makes a
// missing GPU a failure (set it on GPU hosts, where skipping would hide a broken setup).
const missing = gpuMissing();
const required = process.env.ADRS_REQUIRE_GPU === '1';
if (missing && !required) console.warn(`\n!!! SKIPPING kernel GPU tests: ${missing}\n`);
const root = mkdtempSync(path.join(tmpdir(), 'adrs-kernel-gpu-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  cleanupTemps();
});

describe.skipIf(Boolean(missing) && !required)('kernel problems on a GPU', () => {
  it('has a GPU', () => {
    expect(missing, missing).toBeUndefined();
  });

  it('runs the Triton grouped GEMM seed correctly on CUDA, timed with CUDA events', async () => {
    const problem = loadProblem(path.resolve(import.meta.dirname, '..', 'problems', 'moe-grouped-gemm'));
    const seed = readFileSync(path.join(problem.seedDir, 'grouped_gemm.py'), 'utf8');
    const { result } = await runEvaluator(problem, 'grouped_gemm.py', seed, 'screen');
    expect(result.correct, result.feedback).toBe(true);
    expect(result.artifacts.device).toMatch(/^cuda/);
    expect(result.metrics.tflops).toBeGreaterThan(0);
    expect(result.timings.kernel).toHaveLength(3);
    // Host times include the synchronize, so they are never below the event times of the same calls.
    const host = result.timings.kernel_host!;
    result.timings.kernel!.forEach((t, i) => expect(host[i]!).toBeGreaterThanOrEqual(t * 0.9));
    // The trusted parent timed every batch too (go to done, a wall that holds the transfer and the flush): the
    // accepted CUDA-event figures never exceed it, and where the events were implausible its own figure was used.
    const wall = result.timings.kernel_parent_wall!;
    expect(wall).toHaveLength(3);
    result.timings.kernel!.forEach((t, i) => expect(wall[i]!).toBeGreaterThanOrEqual(t * 0.9));
    expect(result.artifacts.timing_source).toMatch(/batch\(es\) timed by the kernel's process/);
    console.log(`moe-grouped-gemm on GPU: ${result.feedback}`);
  });

  it('imports a large KernelBench-style matmul whose seed is correct at about 1x', async () => {
    importKernelBench(path.join(KERNEL_FIXTURES, 'gpu', 'kb_large_matmul.py'), path.join(root, 'large'));
    const problem = loadProblem(path.join(root, 'large'));
    const seed = readFileSync(path.join(problem.seedDir, 'model_new.py'), 'utf8');
    const { result } = await runEvaluator(problem, 'model_new.py', seed, 'screen');
    expect(result.correct, result.feedback).toBe(true);
    expect(result.metrics.excessive_speedup).toBe(0);
    console.log(`kb-large-matmul seed on GPU: ${result.feedback}`);
  });

  it('refuses work on a side CUDA stream: statically, and by the event/host time cross-check', async () => {
    const problem = loadProblem(path.join(root, 'large'));
    const source = readFileSync(path.join(KERNEL_FIXTURES, 'hacks', 'side_stream.py'), 'utf8');
    const plain = await runEvaluator(problem, 'model_new.py', source, 'screen');
    expect(failedCheck(plain.result)).toBe('static:side-stream');
    const warned = await runEvaluator(problem, 'model_new.py', source, 'screen', {
      KERNEL_STATIC_CHECKS: 'warn',
    });
    expect(warned.result.correct).toBe(false);
    expect(failedCheck(warned.result), warned.result.feedback).toBe('timed-stream');
  });
});
