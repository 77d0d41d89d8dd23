// The per-instance report with the official columns, its CSV form, and the aggregates (harmonic mean of SR, correctness).
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { InputError, NotFoundError } from '../../../core/errors.js';

/** Column order of `eval_report_<name>.csv` in the official repository (scripts/eval/get_report.py). */
export const REPORT_COLUMNS = [
  'instance_id',
  'raw_pred_speedup_ratio',
  'pred_speedup_ratio',
  'gold_speedup_ratio',
  'human_speedup_ratio',
  'correctness',
  'correctness_pct',
  'pre_edit_runtime',
  'patch_length',
] as const;

export interface ReportRow {
  instance_id: string;
  /** Measured pre/post of the prediction, before the correctness gate; null when no run exists. */
  raw_pred_speedup_ratio: number | null;
  /** 1.0 unless the patch applied, passed the guard and every PASS_TO_PASS test. */
  pred_speedup_ratio: number;
  gold_speedup_ratio: number;
  /** SR = pred / gold. */
  human_speedup_ratio: number;
  correctness: number;
  correctness_pct: number;
  pre_edit_runtime: number | null;
  patch_length: number;
}

/** What one evaluation of a prediction measured (from the evaluator's metrics). */
export interface MeasuredPrediction {
  instanceId: string;
  /** Whether the run finished at all (false: no run, timeout, infrastructure failure). */
  ran: boolean;
  correct: boolean;
  rawSpeedup: number | null;
  correctnessPct: number;
  preEditRuntime: number | null;
  patchLength: number;
}

/** A report row as get_report.py computes it: any failure scores 1.0; SR = pred / gold. */
export function reportRow(m: MeasuredPrediction, goldSpeedup: number): ReportRow {
  const pred =
    m.ran && m.correct && m.rawSpeedup !== null && Number.isFinite(m.rawSpeedup) ? m.rawSpeedup : 1.0;
  return {
    instance_id: m.instanceId,
    raw_pred_speedup_ratio: m.ran ? m.rawSpeedup : null,
    pred_speedup_ratio: pred,
    gold_speedup_ratio: goldSpeedup,
    human_speedup_ratio: goldSpeedup !== 0 ? pred / goldSpeedup : 0,
    correctness: m.ran && m.correct ? 1 : 0,
    correctness_pct: m.ran ? m.correctnessPct : 0,
    pre_edit_runtime: m.preEditRuntime,
    patch_length: m.patchLength,
  };
}

/** The row get_report.py writes for an instance without a prediction run: speedup 1.0, correctness 0. */
export function missingRow(
  instanceId: string,
  goldSpeedup: number,
  preEditRuntime: number | null,
): ReportRow {
  return reportRow(
    {
      instanceId,
      ran: false,
      correct: false,
      rawSpeedup: null,
      correctnessPct: 0,
      preEditRuntime,
      patchLength: 0,
    },
    goldSpeedup,
  );
}

/** n / sum(1/x); 0 when any value is 0 or there are none. */
export function harmonicMean(values: number[]): number {
  if (values.length === 0 || values.some((v) => !(v > 0))) return 0;
  return values.length / values.reduce((s, v) => s + 1 / v, 0);
}

export interface ReportSummary {
  instances: number;
  /** Harmonic mean of SR (human_speedup_ratio): the benchmark's headline number. */
  hmSpeedupRatio: number;
  /** Harmonic mean of the gated speedups. */
  hmSpeedup: number;
  /** Mean of correctness (0/1). */
  correctness: number;
  /** Instances with SR > 1 (beat the expert). */
  beatExpert: number;
  /** Rows added for instances of the gold set that the report lacked. */
  missing: number;
}

/**
 * Aggregates rows. With `gold` (instance id -> gold speedup, e.g. all 498 rows of eval_report_gold.csv), the set is
 * the gold set and an instance without a row counts as get_report.py counts it: speedup 1.0 (SR = 1/gold), incorrect.
 */
export function summarize(
  rows: ReportRow[],
  gold?: Map<string, { speedup: number; preEdit: number | null }>,
): ReportSummary {
  let all = rows;
  let missing = 0;
  if (gold) {
    const have = new Map(rows.map((r) => [r.instance_id, r]));
    all = [...gold].map(([id, g]) => {
      const row = have.get(id);
      if (row) return row;
      missing++;
      return missingRow(id, g.speedup, g.preEdit);
    });
  }
  return {
    instances: all.length,
    hmSpeedupRatio: harmonicMean(all.map((r) => r.human_speedup_ratio)),
    hmSpeedup: harmonicMean(all.map((r) => r.pred_speedup_ratio)),
    correctness: all.length ? all.reduce((s, r) => s + r.correctness, 0) / all.length : 0,
    beatExpert: all.filter((r) => r.human_speedup_ratio > 1).length,
    missing,
  };
}

function num(
  file: string,
  line: number,
  column: string,
  raw: string | undefined,
  nullable: boolean,
): number | null {
  if (raw === undefined || raw.trim() === '') {
    if (nullable) return null;
    throw new InputError(`${file}: row ${line}: column "${column}" is empty (a number is needed)`);
  }
  const v = Number(raw);
  if (!Number.isFinite(v))
    throw new InputError(`${file}: row ${line}: column "${column}": "${raw}" is not a number`);
  return v;
}

/** Reads a report CSV (official columns; extra columns are ignored). */
export function readReportCsv(file: string): ReportRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new NotFoundError(`${file}: no such report CSV (write one with \`adrs swefficiency eval\`)`);
  }
  const records = parse<Record<string, string>>(text, {
    columns: true,
    skip_empty_lines: true,
    trim: true,
  });
  const header = Object.keys(records[0] ?? {});
  for (const c of [
    'instance_id',
    'pred_speedup_ratio',
    'gold_speedup_ratio',
    'human_speedup_ratio',
    'correctness',
  ]) {
    if (records.length && !header.includes(c))
      throw new InputError(
        `${file}: missing column "${c}" (expected the columns: ${REPORT_COLUMNS.join(', ')})`,
      );
  }
  return records.map((r, i) => {
    const line = i + 2;
    return {
      instance_id: r.instance_id ?? '',
      raw_pred_speedup_ratio: num(file, line, 'raw_pred_speedup_ratio', r.raw_pred_speedup_ratio, true),
      pred_speedup_ratio: num(file, line, 'pred_speedup_ratio', r.pred_speedup_ratio, false)!,
      gold_speedup_ratio: num(file, line, 'gold_speedup_ratio', r.gold_speedup_ratio, false)!,
      human_speedup_ratio: num(file, line, 'human_speedup_ratio', r.human_speedup_ratio, false)!,
      correctness: num(file, line, 'correctness', r.correctness, false)!,
      correctness_pct: num(file, line, 'correctness_pct', r.correctness_pct, true) ?? 0,
      pre_edit_runtime: num(file, line, 'pre_edit_runtime', r.pre_edit_runtime, true),
      patch_length: num(file, line, 'patch_length', r.patch_length, true) ?? 0,
    };
  });
}

/** Gold speedups by instance from a gold report (its gold_speedup_ratio column). */
export function goldFromReport(rows: ReportRow[]): Map<string, { speedup: number; preEdit: number | null }> {
  return new Map(
    rows.map((r) => [r.instance_id, { speedup: r.gold_speedup_ratio, preEdit: r.pre_edit_runtime }]),
  );
}

const cell = (v: number | string | null): string => (v === null ? '' : typeof v === 'number' ? String(v) : v);

export function reportCsv(rows: ReportRow[]): string {
  return stringify(
    rows.map((r) => REPORT_COLUMNS.map((c) => cell(r[c]))),
    { header: true, columns: [...REPORT_COLUMNS] },
  );
}

export function writeReportCsv(file: string, rows: ReportRow[]): void {
  writeFileSync(file, reportCsv(rows));
}
