// Real ShinkaEvolve task folders (vendored unchanged) run through adrs and match their evaluators run directly.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';
import { loadProblem } from '../problems/src/load.js';

const SK = path.resolve('test/fixtures/peers/shinka');

async function evalJson(folder: string, program?: string) {
  let out = '';
  let err = '';
  const db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-peer-sk-')), 'adrs.db');
  await runCli(['eval', folder, ...(program ? ['--program', program] : []), '--json', '--db', db], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { ...process.env },
  });
  expect(err).not.toMatch(/^adrs: /m);
  return JSON.parse(out.trim());
}

describe('ShinkaEvolve task folders run unchanged (expected values: SOURCE.md)', () => {
  it('is recognised as a Shinka task and converted', () => {
    const p = loadProblem(path.join(SK, 'sine_approx_headless'));
    expect(p.origin?.kind).toBe('shinka');
    expect(p.spec.seed.files).toEqual(['initial.py']);
  });

  it('sine_approx_headless (writes metrics.json itself): public metrics and the score match', async () => {
    const r = await evalJson(path.join(SK, 'sine_approx_headless'));
    expect(r.status).toBe('ok');
    expect(r.metrics).toEqual({
      combined_score: 0.10452066243703832,
      score: 0.10452066243703832,
      mean_abs_error: 0.9478811196364105,
      rmse: 1.3564733974108871,
      max_abs_error: 3.141592653589793,
    });
    expect(r.metrics.num_points).toBeUndefined(); // private: Shinka keeps it from the model
  }, 60_000);

  it('circle_packing (run_shinka_eval with validate and aggregate functions) matches', async () => {
    const r = await evalJson(path.join(SK, 'circle_packing'));
    expect(r.status).toBe('ok');
    expect(r.metrics.combined_score).toBe(0.9597642169962064);
    expect(r.metrics.num_circles).toBe(26);
    expect(r.metrics.num_valid_runs).toBe(1);
    expect(r.metrics.num_invalid_runs).toBe(0);
    expect(r.metrics.reported_sum_of_radii).toBeUndefined();
    expect(r.feedback).toContain('centers[0] = (0.5000, 0.5000)');
  }, 60_000);

  it('a candidate that fails validation is incorrect, with the validation message as feedback', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-sk-bad-'));
    const file = path.join(dir, 'initial.py');
    // Two overlapping circles: run_packing returns what the validator must refuse.
    writeFileSync(
      file,
      'import numpy as np\n' +
        'def run_packing():\n' +
        '    c = np.full((26, 2), 0.5)\n' +
        '    r = np.full(26, 0.1)\n' +
        '    return c, r, float(r.sum())\n',
    );
    const r = await evalJson(path.join(SK, 'circle_packing'), file);
    expect(r.status).not.toBe('ok');
    expect(r.feedback).toMatch(/Validation failed: Circles 0 & 1 overlap/);
  }, 60_000);
});
