// Scores a predictions file as the official harness does: per instance a gold run and a prediction run, then report rows.
import type { LoadedProblem } from '../load.js';
import type { SweInstance, SwePrediction } from './instance-schema.js';
import { loadInstanceProblem, type PackageOptions } from './package.js';
import { missingRow, reportRow, type ReportRow } from './report.js';

/** What one evaluation of a patch on an instance gave (the caller runs it in a sandbox). */
export interface InstanceRun {
  /** False when no verdict came back (timeout, crash, sandbox failure): the instance scores as not run. */
  ran: boolean;
  correct: boolean;
  metrics: Record<string, number>;
  feedback: string;
  /** What the report keeps beyond the feedback: the differential checks' full report, the failing tests' output. */
  details?: RunDetails;
}

/** The evaluator's artifacts that explain a verdict in full (the model's feedback is cut short; these are not). */
export interface RunDetails {
  /** The differential checks' report (adrs_diffcheck): every check, its differences (the first 50 in full), notes. */
  differential?: unknown;
  /** The tail of the covering tests' output, when PASS_TO_PASS tests failed. */
  test_output?: string;
}

/** RunDetails from an evaluation's artifacts (undefined when there is nothing to add). */
export function runDetails(artifacts: Record<string, string> | undefined): RunDetails | undefined {
  const out: RunDetails = {};
  const diff = artifacts?.differential;
  if (diff) {
    try {
      out.differential = JSON.parse(diff) as unknown;
    } catch {
      out.differential = diff; // not JSON (an older evaluator cut it short): kept as text
    }
  }
  if (artifacts?.test_output) out.test_output = artifacts.test_output;
  return Object.keys(out).length ? out : undefined;
}

/** Runs one patch on an instance's package; `patch` is a unified diff ("" = no change). */
export type RunInstance = (problem: LoadedProblem, patch: string, label: string) => Promise<InstanceRun>;

/** Refuses a patch before it runs (the TypeScript-side guard); a string is the reason. */
export type PrecheckPatch = (patch: string) => string | undefined;

export interface EvaluatePredictionsOptions {
  instances: SweInstance[];
  predictions: SwePrediction[];
  packages: PackageOptions;
  run: RunInstance;
  precheck?: PrecheckPatch;
  /** Gold speedups by instance (e.g. from eval_report_gold.csv); missing ones are measured with the expert patch. */
  gold?: Map<string, { speedup: number; preEdit: number | null }>;
  onProgress?: (line: string) => void;
  /** Called as each instance's row is final (the CLI writes it out at once, so an interrupt keeps it). */
  onRow?: (detail: InstanceDetail) => void;
  /** Rows already finished by an earlier, interrupted run (--resume): kept as they are, not run again. */
  done?: Map<string, InstanceDetail>;
}

export interface InstanceDetail {
  instanceId: string;
  row: ReportRow;
  feedback: string;
  /** One line: why the prediction scored 1.0 (empty when it was accepted). */
  reason: string;
  /** The prediction run's full differential report and test output (see RunDetails). */
  details?: RunDetails;
}

/** The first line of an evaluator's feedback, short enough for a progress line. */
export function reasonLine(feedback: string): string {
  const first = feedback.split('\n').find((l) => l.trim() !== '') ?? '';
  return first.length > 240 ? first.slice(0, 237) + '...' : first.trim();
}

function lineCount(patch: string): number {
  return patch.split('\n').length - (patch.endsWith('\n') ? 1 : 0);
}

/** Report rows for every instance (prediction or not), in the dataset's order. */
export async function evaluatePredictions(opts: EvaluatePredictionsOptions): Promise<InstanceDetail[]> {
  const byId = new Map(opts.predictions.map((p) => [p.instance_id, p]));
  const out: InstanceDetail[] = [];
  const finish = (d: InstanceDetail): void => {
    out.push(d);
    opts.onRow?.(d);
  };
  for (const [i, instance] of opts.instances.entries()) {
    const id = instance.instance_id;
    const tell = (s: string): void => opts.onProgress?.(`[${i + 1}/${opts.instances.length}] ${id}: ${s}`);
    const earlier = opts.done?.get(id);
    if (earlier) {
      tell('kept from the earlier run (--resume)');
      out.push(earlier);
      continue;
    }
    const problem = await loadInstanceProblem(instance, opts.packages);
    let gold = opts.gold?.get(id);
    if (!gold) {
      tell('gold run (expert patch)');
      const g = await opts.run(problem, instance.patch, 'gold');
      gold = { speedup: g.ran ? (g.metrics.raw_speedup ?? 1) : 1, preEdit: g.metrics.pre_mean ?? null };
    }
    const patchLength = lineCount(instance.patch);
    const prediction = byId.get(id);
    if (!prediction) {
      finish({
        instanceId: id,
        row: { ...missingRow(id, gold.speedup, gold.preEdit), patch_length: patchLength },
        feedback: 'no prediction',
        reason: 'no prediction',
      });
      continue;
    }
    const refused = opts.precheck?.(prediction.model_patch);
    let run: InstanceRun;
    if (refused) {
      run = { ran: true, correct: false, metrics: {}, feedback: refused };
    } else {
      tell('prediction run');
      run = await opts.run(problem, prediction.model_patch, 'prediction');
    }
    const row = reportRow(
      {
        instanceId: id,
        ran: run.ran,
        correct: run.correct,
        rawSpeedup: refused ? null : (run.metrics.raw_speedup ?? null),
        correctnessPct: run.metrics.correctness_pct ?? 0,
        preEditRuntime: gold.preEdit ?? run.metrics.pre_mean ?? null,
        patchLength,
      },
      gold.speedup,
    );
    const reason = row.correctness === 1 ? '' : reasonLine(run.feedback) || 'failed (no feedback)';
    tell(
      `speedup ${row.pred_speedup_ratio.toFixed(3)}x (gold ${gold.speedup.toFixed(3)}x, SR ${row.human_speedup_ratio.toFixed(4)})` +
        (reason ? ` - refused: ${reason}` : ''),
    );
    finish({
      instanceId: id,
      row,
      feedback: run.feedback,
      reason,
      ...(run.details ? { details: run.details } : {}),
    });
  }
  return out;
}

/** Predictions whose instance is not in the dataset (the harness refuses them). */
export function unknownPredictions(instances: SweInstance[], predictions: SwePrediction[]): string[] {
  const ids = new Set(instances.map((i) => i.instance_id));
  return predictions.filter((p) => !ids.has(p.instance_id)).map((p) => p.instance_id);
}
