// Real ADRS leaderboard EPLB programs score on problems/moe-eplb the balancedness the leaderboard's evaluator gives.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';

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
