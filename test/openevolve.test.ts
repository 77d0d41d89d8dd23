import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProblem } from '../problems/src/load.js';
import { readOpenEvolveConfig } from '../problems/src/openevolve/config.js';
import { isSessionUid } from '../sandboxes/local/session-uid.js';
import { cli as runAdrs } from './helpers/cli.js';

const FIX = path.resolve('test/fixtures/openevolve');

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runAdrs(args, { env: { ...process.env, ...env } });

async function evalJson(folder: string, env: NodeJS.ProcessEnv = {}) {
  const db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-oe-')), 'adrs.db');
  const r = await cli(['eval', path.join(FIX, folder), '--json', '--db', db], env);
  expect(r.err).not.toMatch(/^adrs: /m);
  return { ...JSON.parse(r.out.trim()), code: r.code };
}

describe('OpenEvolve folders run unchanged', () => {
  it('a plain evaluator returning a dict: the primary score is the mean of the numeric metrics', async () => {
    const r = await evalJson('plain');
    expect(r.status).toBe('ok');
    expect(r.metrics.accuracy).toBe(1);
    expect(r.metrics.combined_score).toBeCloseTo(0.75);
    expect(r.score).toBeCloseTo(0.75);
  });

  it('a three-stage cascade honours the thresholds', async () => {
    const r = await evalJson('cascade');
    // stage1 0.6 >= 0.5, stage2 0.8 >= 0.75, so stage 3 runs and its score wins.
    expect(r.checks.map((c: { name: string }) => c.name)).toEqual(['stage1', 'stage2', 'stage3']);
    expect(r.metrics.combined_score).toBeCloseTo(0.95);
    expect(r.metrics.stage3).toBe(3);
  });

  it('a cascade stops at a stage below its threshold', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-oe-prog-'));
    const wrong = readFileSync(path.join(FIX, 'cascade', 'initial_program.py'), 'utf8').replace(
      'x * x',
      'x + x',
    );
    const file = path.join(dir, 'initial_program.py');
    (await import('node:fs')).writeFileSync(file, wrong);
    const db = path.join(dir, 'adrs.db');
    const r = await cli(['eval', path.join(FIX, 'cascade'), '--program', file, '--json', '--db', db]);
    const res = JSON.parse(r.out.trim());
    // solve([2]) == 4 still holds for x + x, solve([1,2,3]) does not: stage 2 scores 0.3 < 0.75.
    expect(res.checks.map((c: { name: string }) => c.name)).toEqual(['stage1', 'stage2']);
    expect(res.metrics.combined_score).toBeCloseTo(0.3);
    expect(res.feedback).toMatch(/below the cascade threshold 0.75/);
  });

  it('metrics plus artifacts: artifacts reach the feedback for the next prompt', async () => {
    const r = await evalJson('artifacts');
    expect(r.metrics.combined_score).toBeCloseTo(0.25);
    expect(r.feedback).toContain('try numpy vectorisation');
    expect(r.feedback).toContain('warning: slow loop');
  });

  it('an evaluator that imports the candidate as a module runs it inside the sandbox, without secrets', async () => {
    const r = await evalJson('imports-module', {
      ANTHROPIC_API_KEY: 'fake-ant-planted-oe',
      MY_TOKEN: 'planted',
    });
    expect(r.metrics.combined_score).toBe(1);
    expect(r.metrics.leaked_secrets).toBe(0);
    // The evaluator imports a stand-in: the program's own code runs in a process of the candidate's uid (its
    // session's own), never as the trusted evaluator uid (65533).
    if (process.getuid?.() === 0) expect(isSessionUid(r.metrics.uid as number)).toBe(true);
  });

  it('an unusual config.yaml is mapped where it means something and the rest is listed', () => {
    const { settings, unused } = readOpenEvolveConfig(path.join(FIX, 'odd-config'));
    expect(settings).toMatchObject({
      iterations: 12,
      editMode: 'rewrite',
      islands: 3,
      populationSize: 40,
      archiveSize: 12,
      evaluatorTimeoutS: 45,
      apiBase: 'http://127.0.0.1:11434/v1',
      models: [
        { name: 'qwen2.5-coder', weight: 0.7 },
        { name: 'llama-3.1', weight: 0.3 },
      ],
    });
    expect(unused.sort()).toEqual(
      [
        'checkpoint_interval',
        'database.in_memory',
        'evaluator.use_llm_feedback',
        'llm.retries',
        'log_level',
      ].sort(),
    );
    const p = loadProblem(path.join(FIX, 'odd-config'));
    expect(p.origin?.kind).toBe('openevolve');
    expect(p.spec.timeouts.screen).toBe(45);
    expect(p.spec.description).toContain('You optimise sums of squares.');
  });

  it('`adrs problems import openevolve` writes a native package that evaluates the same', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-oe-imp-')), 'sum-squares');
    const r = await cli(['problems', 'import', 'openevolve', path.join(FIX, 'odd-config'), '-o', out]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('not used by adrs: ');
    expect(existsSync(path.join(out, 'problem.yaml'))).toBe(true);
    expect(loadProblem(out).spec.name).toBe('sum-squares');
    const db = path.join(path.dirname(out), 'adrs.db');
    const ev = await cli(['eval', out, '--json', '--db', db]);
    expect(JSON.parse(ev.out.trim()).metrics.combined_score).toBeCloseTo(0.75);
  });

  it('problems/moe-eplb and its OpenEvolve-format twin give the same scores for the same program', async () => {
    const programs = {
      seed: 'problems/moe-eplb/seed/eplb.py',
      better: 'test/fixtures/eplb/better/eplb.py',
      broken: 'test/fixtures/eplb/wrong-replica-count/eplb.py',
    };
    // The leaderboard score from balancedness and mean time (shared/research/eplb.md).
    const formula = (bal: number, t: number) =>
      90 * bal + 5 * Math.min(0.002 / t, 2) - (t > 0.01 ? Math.min(20 * t, 20) : 0);
    for (const [name, file] of Object.entries(programs)) {
      const db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-twin-')), 'adrs.db');
      const nat = JSON.parse(
        (await cli(['eval', 'problems/moe-eplb', '--program', file, '--json', '--db', db])).out.trim(),
      );
      const twin = JSON.parse(
        (
          await cli(['eval', 'problems/moe-eplb/openevolve', '--program', file, '--json', '--db', db])
        ).out.trim(),
      );
      expect(twin.status, name).toBe(nat.status);
      if (name === 'broken') {
        expect(nat.metrics.score).toBe(0);
        expect(twin.metrics.combined_score).toBe(0);
        continue;
      }
      // Balancedness is deterministic: identical. The score differs only through the measured time, by the formula.
      expect(twin.metrics.gpu_balancedness, name).toBe(nat.metrics.gpu_balancedness);
      expect(twin.metrics.expert_balancedness, name).toBe(nat.metrics.expert_balancedness);
      expect(nat.metrics.score).toBeCloseTo(
        formula(nat.metrics.gpu_balancedness, nat.metrics.algorithm_time_s),
        9,
      );
      expect(twin.metrics.combined_score).toBeCloseTo(
        formula(twin.metrics.gpu_balancedness, twin.metrics.algorithm_time_s),
        9,
      );
    }
  }, 120_000);
});
