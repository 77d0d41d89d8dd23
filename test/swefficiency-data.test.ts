// The SWE-fficiency readers and report against the real files in ../shared/data/swefficiency (official numbers).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardDiff } from '../evaluators/guard/check.js';
import { loadPredictions, loadWorkloadLines } from '../problems/src/swefficiency/dataset.js';
import { harnessDir } from '../problems/src/swefficiency/package.js';
import {
  goldFromReport,
  harmonicMean,
  readReportCsv,
  summarize,
} from '../problems/src/swefficiency/report.js';

const DATA = path.resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'swefficiency');
const present = existsSync(path.join(DATA, 'eval_report_gold.csv'));
if (!present) {
  const msg = `*** swefficiency-data: SKIPPED: ${DATA} is absent (the shared SWE-fficiency data files) ***`;
  if (process.env.CI === 'true') throw new Error(msg + ' CI=true: failing instead of skipping');
  console.warn(`\n${msg}\n`);
}
const file = (name: string): string => path.join(DATA, name);

describe.runIf(present)('swefficiency data files', () => {
  it('reads the gold report: 498 instances, gold speedups from 1.01x, median about 2.85x, SR 1 each', () => {
    const gold = readReportCsv(file('eval_report_gold.csv'));
    expect(gold).toHaveLength(498);
    const speedups = gold.map((r) => r.gold_speedup_ratio).sort((a, b) => a - b);
    expect(speedups[0]).toBeGreaterThan(1.01);
    expect(speedups[249]).toBeGreaterThan(2.8);
    expect(speedups[249]).toBeLessThan(2.9);
    expect(summarize(gold).hmSpeedupRatio).toBeCloseTo(1, 9);
  });

  it('reproduces the official per-instance SR and the harmonic mean of OpenHands + Claude 3.7 Sonnet', () => {
    const rows = readReportCsv(file('eval_report_oh_claude37sonnet.csv'));
    const gold = goldFromReport(readReportCsv(file('eval_report_gold.csv')));
    expect(rows).toHaveLength(459);
    for (const r of rows) {
      expect(r.human_speedup_ratio).toBeCloseTo(r.pred_speedup_ratio / r.gold_speedup_ratio, 9);
      expect(r.gold_speedup_ratio).toBeCloseTo(gold.get(r.instance_id)!.speedup, 9);
      if (r.correctness === 0) expect(r.pred_speedup_ratio).toBe(1); // the gate: any failure scores 1.0
    }
    // This copy lacks the 39 sympy rows of the official 498-row file (whose HM SR is 0.0099). Over the rows it has:
    const own = summarize(rows);
    expect(own.hmSpeedupRatio).toBeCloseTo(0.0098, 4);
    expect(own.hmSpeedupRatio).toBeCloseTo(harmonicMean(rows.map((r) => r.human_speedup_ratio)), 12);
    // Over the 498 gold instances, an instance without a run counts as get_report.py counts it: 1.0, incorrect.
    const all = summarize(rows, gold);
    expect(all.instances).toBe(498);
    expect(all.missing).toBe(39);
    expect(all.hmSpeedupRatio).toBeCloseTo(0.005, 4);
    expect(all.correctness).toBeCloseTo(283 / 498, 9);
  });

  it('reads the real agent predictions; most lack a final newline; the guard reads every patch', async () => {
    const preds = await loadPredictions(file('predictions_oh_claude37sonnet.jsonl'));
    expect(preds).toHaveLength(448);
    const nonEmpty = preds.filter((p) => p.model_patch.trim());
    expect(nonEmpty.length).toBe(440);
    expect(nonEmpty.filter((p) => !p.model_patch.endsWith('\n')).length).toBe(440);
    let touched = 0;
    for (const p of nonEmpty) {
      const report = guardDiff(p.model_patch);
      touched += report.ok ? 0 : 1;
    }
    // A handful of real patches trip the static guard (e.g. new `import inspect`); most do not.
    expect(touched).toBeLessThan(nonEmpty.length / 4);
  });

  it('rewrites every parsable workload for per-repeat isolation', () => {
    const lines = loadWorkloadLines(file('workloads.jsonl'));
    expect(lines).toHaveLength(459);
    const out = execFileSync(
      '/usr/bin/python3',
      [path.join(harnessDir(), 'swe_workload.py'), '--check-jsonl', file('workloads.jsonl')],
      {
        encoding: 'utf8',
      },
    );
    const r = JSON.parse(out) as {
      rewritten: number;
      syntax_errors: unknown[];
      no_repeat_call: string[];
      no_workload: string[];
    };
    expect(r.no_repeat_call).toEqual([]);
    expect(r.no_workload.length).toBe(lines.filter((l) => !l.workload).length);
    expect(r.rewritten + r.syntax_errors.length + r.no_workload.length).toBe(459);
    expect(r.rewritten).toBeGreaterThan(440);
  });
});
