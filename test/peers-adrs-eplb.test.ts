// Real ADRS leaderboard EPLB programs score on problems/moe-eplb the balancedness the leaderboard's evaluator gives.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';
import { loudSkip, pythonLacks } from './helpers/python-modules.js';

// The leaderboard's programs import torch, as its evaluator feeds them torch tensors.
const noTorch = loudSkip('peers-adrs-eplb', pythonLacks(['torch']));

const LB = path.resolve('test/fixtures/peers/adrs-leaderboard');

/** Recorded from the leaderboard's problems/eplb/evaluator.py run directly (SOURCE.md). */
const EXPECTED: Record<string, { gpu: number; expert: number }> = {
  human_SOTA: { gpu: 0.8718776478655358, expert: 0.6336935661392671 },
  openevolve: { gpu: 0.8677584997770813, expert: 0.6336935833983888 },
  LEVI: { gpu: 0.9090571795806675, expert: 0.6083693362768372 },
  gepa: { gpu: 0.8720717138075083, expert: 0.6083693362768372 },
};

/** problems/moe-eplb with the real-convention trace as its only screen workload. */
function problemWithTrace(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-lb-eplb-')), 'moe-eplb');
  cpSync(path.resolve('problems/moe-eplb'), dir, { recursive: true, dereference: true });
  rmSync(path.join(dir, 'openevolve'), { recursive: true });
  for (const f of readdirSync(path.join(dir, 'workloads/screen')))
    rmSync(path.join(dir, 'workloads/screen', f));
  cpSync(path.join(LB, 'expert-load.json'), path.join(dir, 'workloads/screen/expert-load.json'));
  return dir;
}

function programs(): [string, string][] {
  const out: [string, string][] = [];
  for (const name of ['human_SOTA', 'openevolve']) out.push([name, path.join(LB, name, 'solution.py')]);
  const lb = process.env.ADRS_LEADERBOARD_DIR;
  for (const name of ['LEVI', 'gepa']) {
    const file = lb && path.join(lb, 'solutions/eplb', name, 'resources/solution.py');
    if (file && existsSync(file)) out.push([name, file]);
  }
  return out;
}

describe('ADRS leaderboard EPLB parity (torch inputs, real expert-load.json conventions)', () => {
  beforeEach((ctx) => ctx.skip(noTorch));
  it("leaderboard programs get the leaderboard evaluator's balancedness (float32 precision)", async () => {
    const problem = problemWithTrace();
    const db = path.join(path.dirname(problem), 'adrs.db');
    for (const [name, file] of programs()) {
      let out = '';
      await runCli(['eval', problem, '--program', file, '--json', '--db', db], {
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: () => {} },
        env: { ...process.env },
      });
      const r = JSON.parse(out.trim());
      expect(r.status, `${name}: ${r.feedback}`).toBe('ok');
      const want = EXPECTED[name]!;
      expect(Math.abs(r.metrics.gpu_balancedness - want.gpu), name).toBeLessThan(1e-7);
      expect(Math.abs(r.metrics.expert_balancedness - want.expert), name).toBeLessThan(1e-7);
    }
  }, 300_000);
});

describe('generate.py --real-convention (problems/moe-eplb/README.md: why the shipped traces keep one entry per window)', () => {
  beforeEach((ctx) => ctx.skip(noTorch));
  it('writes a trace the leaderboard evaluator reads unchanged, and adrs gives its balancedness', async () => {
    const problem = problemWithTrace();
    const trace = path.join(problem, 'workloads/screen/expert-load.json');
    const gen = spawnSync('/usr/bin/python3', [
      path.join(problem, 'workloads/generate.py'),
      ...['--seed', '3', '--layers', '2', '--experts', '64', '--windows', '2'],
      ...['--steps-per-window', '100', '--real-convention', '--out', trace],
    ]);
    expect(gen.status, String(gen.stderr)).toBe(0);
    const data = JSON.parse(readFileSync(trace, 'utf8')) as Record<string, unknown[]>;
    expect(Object.keys(data)).toEqual(['load_history']); // no rebalance_interval: 100 entries per window
    expect(data.load_history).toHaveLength(200);
    let out = '';
    await runCli(
      [
        'eval',
        problem,
        '--program',
        path.join(LB, 'human_SOTA', 'solution.py'),
        '--json',
        '--db',
        path.join(path.dirname(problem), 'adrs.db'),
      ],
      { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => {} }, env: { ...process.env } },
    );
    const r = JSON.parse(out.trim());
    expect(r.status, r.feedback).toBe('ok');
    // The leaderboard's problems/eplb/evaluator.py run directly on this very file (the same bytes from numpy 1.24
    // and 2.4 here).
    expect(Math.abs(r.metrics.gpu_balancedness - 0.8877534295192645)).toBeLessThan(1e-7);
    expect(Math.abs(r.metrics.expert_balancedness - 0.7415482354594516)).toBeLessThan(1e-7);
  }, 300_000);
});

describe("a third real program (the ADRS paper's OpenEvolve EPLB result, Apache-2.0; see SOURCE.md)", () => {
  beforeEach((ctx) => ctx.skip(noTorch));
  // No third leaderboard entry may be vendored: LEVI, gepa and shinkaevolve carry no licence (SOURCE.md).
  it("is refused as the leaderboard's evaluator refuses it: 3 loaded experts without a replica, score 0", async () => {
    const problem = problemWithTrace();
    const db = path.join(path.dirname(problem), 'adrs.db');
    let out = '';
    await runCli(
      [
        'eval',
        problem,
        '--program',
        path.join(LB, 'adrs-paper-openevolve', 'best_program.py'),
        '--json',
        '--db',
        db,
      ],
      { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => {} }, env: { ...process.env } },
    );
    const r = JSON.parse(out.trim());
    expect(r.status).toBe('incorrect');
    expect(r.metrics.score).toBe(0);
    expect(r.metrics.gpu_balancedness).toBe(0);
    // The leaderboard evaluator: "Unhandled load: 3 experts have load but 0 replicas".
    expect(r.feedback).toMatch(/^loaded-experts-covered: 3 experts have load but 0 replicas /);
  }, 300_000);
});

describe('adrs problems import adrs', () => {
  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(args, {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: { ...process.env },
    });
    return { code, out, err };
  }

  it('a leaderboard-shaped folder runs its evaluator unchanged, with its dataset where it looks for it', async () => {
    const shape = path.resolve('test/fixtures/adrs-leaderboard-shape');
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-imp-lb-')), 'pkg');
    const imp = await cli([
      'problems',
      'import',
      'adrs',
      path.join(shape, 'problems/sumsq'),
      '--solution',
      path.join(shape, 'solutions/solution.py'),
      '--dataset',
      path.join(shape, 'data.json'),
      '-o',
      out,
    ]);
    expect(imp.code, imp.err).toBe(0);
    const db = path.join(path.dirname(out), 'adrs.db');
    const ok = JSON.parse((await cli(['eval', out, '--json', '--db', db])).out.trim());
    expect(ok.status).toBe('ok');
    expect(ok.metrics).toEqual({ score: 100, n: 4 });
    const wrongFile = path.join(path.dirname(out), 'solution.py');
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(
      wrongFile,
      readFileSync(path.join(shape, 'solutions/solution.py'), 'utf8').replace('x * x', 'x'),
    );
    const bad = JSON.parse(
      (await cli(['eval', out, '--program', wrongFile, '--json', '--db', db])).out.trim(),
    );
    expect(bad.status).not.toBe('ok');
    expect(bad.feedback).toMatch(/wrong sum of squares: 10/);
  }, 120_000);

  it.runIf(process.env.ADRS_LEADERBOARD_DIR)(
    'the real leaderboard problems/eplb imports and scores its own programs exactly (ADRS_LEADERBOARD_DIR)',
    async () => {
      const lb = process.env.ADRS_LEADERBOARD_DIR!;
      const out = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-imp-real-')), 'pkg');
      const solution = (n: string) => path.join(lb, 'solutions/eplb', n, 'resources/solution.py');
      const imp = await cli([
        'problems',
        'import',
        'adrs',
        path.join(lb, 'problems/eplb'),
        '--solution',
        solution('openevolve'),
        '--dataset',
        path.join(LB, 'expert-load.json'),
        '-o',
        out,
      ]);
      expect(imp.code, imp.err).toBe(0);
      const db = path.join(path.dirname(out), 'adrs.db');
      for (const name of ['openevolve', 'human_SOTA', 'LEVI']) {
        const r = JSON.parse(
          (await cli(['eval', out, '--program', solution(name), '--json', '--db', db])).out.trim(),
        );
        expect(r.metrics.balancedness_score_gpu, name).toBe(EXPECTED[name]!.gpu);
      }
    },
    300_000,
  );
});
