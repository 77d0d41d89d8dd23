// The moe-eplb problem package: its problem.yaml, the seed, the evaluator's verdicts on good, broken and misbehaving candidates.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { evaluatorResultSchema, type EvaluatorResult } from '../evaluators/result.js';
import { loadProblem } from '../problems/src/load.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const PROBLEM = path.join(ROOT, 'problems', 'moe-eplb');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'eplb');
const PYTHON = '/usr/bin/python3';
const SEED_SOURCE = readFileSync(path.join(PROBLEM, 'seed', 'eplb.py'), 'utf8');

interface Run {
  exitCode: number | undefined;
  stderr: string;
  result?: EvaluatorResult;
}

/** Runs the evaluator as the platform would: a fresh workspace holding eplb.py as cwd, the stage told by environment. */
async function evaluate(
  source: string,
  opts: { stage?: string; workloads?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'adrs-eplb-'));
  writeFileSync(path.join(workspace, 'eplb.py'), source);
  const resultFile = path.join(workspace, 'result.json');
  const stage = opts.stage ?? 'screen';
  const proc = await execa(PYTHON, [path.join(PROBLEM, 'evaluator', 'evaluate.py')], {
    cwd: workspace,
    reject: false,
    env: {
      ADRS_STAGE: stage,
      ADRS_SEED: '7',
      ADRS_RESULT: resultFile,
      ADRS_WORKSPACE: workspace,
      ADRS_WORKLOADS:
        opts.workloads ?? path.join(PROBLEM, 'workloads', stage === 'verify' ? 'verify' : 'screen'),
      PYTHONDONTWRITEBYTECODE: '1',
      ...opts.env,
    },
  });
  const run: Run = { exitCode: proc.exitCode, stderr: String(proc.stderr) };
  if (existsSync(resultFile))
    run.result = evaluatorResultSchema.parse(JSON.parse(readFileSync(resultFile, 'utf8')));
  return run;
}

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name, 'eplb.py'), 'utf8');
}

/** A small trace in a fresh folder, made by the package's own generator. */
async function generatedTrace(args: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-eplb-trace-'));
  await execa(PYTHON, [
    path.join(PROBLEM, 'workloads', 'generate.py'),
    '--out',
    path.join(dir, 'trace.json'),
    ...args,
  ]);
  return dir;
}

function expectValid(run: Run): EvaluatorResult {
  expect(run.exitCode, run.stderr).toBe(0);
  const result = run.result!;
  expect(result.correct, result.feedback).toBe(true);
  expect(result.checks.every((c) => c.ok)).toBe(true);
  return result;
}

function expectRejected(run: Run, check: string, reason: RegExp): EvaluatorResult {
  expect(run.exitCode, run.stderr).toBe(0);
  const result = run.result!;
  expect(result.correct).toBe(false);
  expect(result.metrics.score).toBe(0);
  expect(result.feedback).toMatch(reason);
  const failed = result.checks.filter((c) => !c.ok);
  expect(failed.map((c) => c.name)).toEqual([check]);
  expect(failed[0]!.detail).toMatch(reason);
  return result;
}

describe('moe-eplb problem package', () => {
  it('loads with the schema, and the whole algorithm sits inside the EVOLVE block', () => {
    const { spec, screenWorkloadsDir, verifyWorkloadsDir } = loadProblem(PROBLEM);
    expect(spec.name).toBe('moe-eplb');
    expect(spec.primary).toBe('score');
    expect(spec.timing.key).toBe('algorithm');
    expect(spec.evaluator.command).toEqual(['/usr/bin/python3', '{problem}/evaluate.py']);
    const deterministic = spec.metrics.filter((m) => m.deterministic).map((m) => m.name);
    expect(deterministic.sort()).toEqual(['expert_balancedness', 'gpu_balancedness']);
    expect(screenWorkloadsDir).not.toBe(verifyWorkloadsDir);
    const [before, inside, after] = SEED_SOURCE.split(/^# EVOLVE-BLOCK-(?:START|END)$/m);
    expect(before).toMatch(/^import numpy/m);
    expect(inside).toMatch(
      /^def rebalance_experts\(weight, num_replicas, num_groups, num_nodes, num_gpus\)/m,
    );
    expect(inside).not.toMatch(/^import /m);
    expect(after?.trim()).toBe('');
  });

  it('seed properties hold (replication optimal, groups per node, simulation == leaderboard loop)', async () => {
    const proc = await execa(PYTHON, [path.join(FIXTURES, 'check_seed.py'), PROBLEM], {
      reject: false,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(proc.exitCode, String(proc.stderr)).toBe(0);
    expect(String(proc.stdout)).toMatch(/^ok \d+ checks$/m);
  });

  it('scores the seed as valid, with balancedness in (0, 1] and the leaderboard constants', async () => {
    const result = expectValid(await evaluate(SEED_SOURCE));
    const { score, gpu_balancedness: gpu, expert_balancedness: expert, algorithm_time_s: t } = result.metrics;
    expect(score).toBeGreaterThan(0);
    for (const bal of [gpu, expert]) {
      expect(bal).toBeGreaterThan(0);
      expect(bal).toBeLessThanOrEqual(1);
    }
    // 1 screen trace of 10 windows -> 9 placement calls, each timed.
    expect(result.timings.algorithm).toHaveLength(9);
    expect(t).toBeCloseTo(result.timings.algorithm!.reduce((a, b) => a + b, 0) / 9, 12);
    const speed = 5 * Math.min(0.002 / t!, 2) - (t! > 0.01 ? Math.min(20 * t!, 20) : 0);
    expect(score).toBeCloseTo(90 * gpu! + speed, 9);
    expect(JSON.parse(result.artifacts.config!)).toEqual({
      num_replicas: 288,
      num_groups: 8,
      num_nodes: 4,
      num_gpus: 32,
    });
  });

  it('reproduces the leaderboard case: 64 experts, 100-step windows, 288 replicas on 4 nodes x 8 GPUs', async () => {
    const workloads = await generatedTrace(
      ['--seed', '3', '--experts', '64', '--layers', '4', '--windows', '3'].concat([
        '--steps-per-window',
        '100',
      ]),
    );
    const trace = JSON.parse(readFileSync(path.join(workloads, 'trace.json'), 'utf8')) as {
      load_history: { logical_expert_load: number[][] }[];
    };
    expect(trace.load_history).toHaveLength(300);
    expect(trace.load_history[0]!.logical_expert_load[0]).toHaveLength(64);
    const result = expectValid(await evaluate(SEED_SOURCE, { workloads }));
    expect(result.timings.algorithm).toHaveLength(2);
    expect(result.feedback).toMatch(/valid on 2 window pairs/);
    expect(JSON.parse(result.artifacts.config!)).toMatchObject({ num_replicas: 288, num_gpus: 32 });
  });

  it('the better heuristic fixture balances the held-out verify set better than the seed', async () => {
    const [seed, better] = await Promise.all([
      evaluate(SEED_SOURCE, { stage: 'verify' }),
      evaluate(fixture('better'), { stage: 'verify' }),
    ]);
    const s = expectValid(seed).metrics;
    const b = expectValid(better).metrics;
    expect(b.gpu_balancedness).toBeGreaterThan(s.gpu_balancedness! + 0.02);
    expect(seed.result!.feedback).toMatch(/2 trace files/);
  });

  it('scores 0 when logcnt does not add up to the replica count', async () => {
    expectRejected(
      await evaluate(fixture('wrong-replica-count')),
      'replica-count',
      /must sum to num_replicas = 288.*sums to 289/,
    );
  });

  it('scores 0 when an expert with load has no replica', async () => {
    expectRejected(
      await evaluate(fixture('unreplicated-expert')),
      'loaded-experts-covered',
      /experts have load but 0 replicas/,
    );
  });

  describe('misbehaving candidates yield a result with the reason, never a bare traceback', () => {
    const tiny = generatedTrace(['--seed', '5', '--layers', '2', '--windows', '3']);
    const cases: [string, string, string, RegExp][] = [
      ['a syntax error', 'def rebalance_experts(:\n', 'import', /importing eplb.py failed.*SyntaxError/s],
      ['no rebalance_experts', 'def other():\n    pass\n', 'api', /defines no function rebalance_experts/],
      [
        'an exception',
        'def rebalance_experts(*a):\n    raise RuntimeError("boom")\n',
        'runs',
        /raised RuntimeError\('boom'\)/,
      ],
      ['sys.exit', 'import sys\ndef rebalance_experts(*a):\n    sys.exit(0)\n', 'runs', /raised SystemExit/],
      [
        'os._exit',
        'import os\ndef rebalance_experts(*a):\n    os._exit(3)\n',
        'runs',
        /died \(exit code 3\)/,
      ],
      [
        'a hang',
        'import time\ndef rebalance_experts(*a):\n    time.sleep(60)\n',
        'runs',
        /did not finish within 1 s/,
      ],
      [
        'a wrong return',
        'def rebalance_experts(*a):\n    return "placement"\n',
        'returns',
        /expected a tuple/,
      ],
    ];
    it.each(cases)('%s', async (_name, source, check, reason) => {
      // numpy inputs: importing torch alone can take longer than this 1 s budget on a loaded machine.
      const run = await evaluate(source, {
        workloads: await tiny,
        env: { EPLB_CHILD_TIMEOUT_S: '1', EPLB_INPUT: 'numpy' },
      });
      expectRejected(run, check, reason);
    });

    it('prints on stdout do not corrupt the result', async () => {
      const noisy = SEED_SOURCE.replace(
        '    as_torch =',
        '    print("hello from the candidate")\n    as_torch =',
      );
      const run = await evaluate(noisy, { workloads: await tiny });
      expect(expectValid(run).feedback).toMatch(/^valid on 2 window pairs/);
    });
  });

  it('time stage: ADRS_SAMPLES timed calls and no scoring', async () => {
    const result = expectValid(await evaluate(SEED_SOURCE, { stage: 'time', env: { ADRS_SAMPLES: '3' } }));
    expect(result.timings.algorithm).toHaveLength(3);
    expect(Object.keys(result.metrics)).toEqual(['algorithm_time_s']);
  });

  it('a missing workload folder is an evaluator error (exit 2, one line), not a candidate verdict', async () => {
    const run = await evaluate(SEED_SOURCE, { workloads: path.join(tmpdir(), 'adrs-eplb-no-such-dir') });
    expect(run.exitCode).toBe(2);
    expect(run.result).toBeUndefined();
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/ADRS_WORKLOADS=.*is not a folder/);
  });
});
