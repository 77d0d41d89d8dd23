// One timing sample: a fresh evaluator process (stage "time", ADRS_SAMPLES=1) whose timings[key] becomes one value.
import { median } from 'simple-statistics';
import type { Sandbox } from '../sandboxes/types.js';
import type { EvaluationOutcome } from './result.js';
import { runEvaluation, type EvaluationTarget } from './run-evaluation.js';
import type { Measurement } from './verify-timing.js';

export interface TimeSampleOptions {
  sandbox: Sandbox;
  workspaceDir: string;
  target: EvaluationTarget;
  key: string;
  seed: number;
  sampleIndex: number;
  labels?: Record<string, string>;
  signal?: AbortSignal;
}

/** The one value an outcome contributes, or why it cannot serve as a timing sample. */
export function sampleValue(outcome: EvaluationOutcome, key: string): Measurement {
  if (!('result' in outcome)) return { ok: false, reason: `${outcome.status}: ${outcome.reason}` };
  if (!outcome.result.correct) {
    const why = outcome.result.feedback.split('\n')[0] ?? '';
    return { ok: false, reason: `incorrect output in the timing run${why ? `: ${why}` : ''}` };
  }
  const values = outcome.result.timings[key];
  if (!values || values.length === 0)
    return { ok: false, reason: `the evaluator reported no timings["${key}"]` };
  if (values.some((v) => !(v > 0)))
    return { ok: false, reason: `timings["${key}"] holds a non-positive time` };
  return { ok: true, value: median(values) };
}

/** Fresh tries of one timing sample whose process the platform failed to run (EAGAIN, sandbox start). */
const SAMPLE_INFRA_RETRIES = 2;

/**
 * Runs one time-stage process; several values in timings[key] (inner repetitions) count as their median.
 * A platform failure (infrastructure.ts) is tried again with the same seed; if it persists the measurement
 * says so (`infrastructure`), so the verification is retried or kept pending, never held against the program.
 */
export async function timeSample(opts: TimeSampleOptions): Promise<Measurement> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await runOnce(opts);
    const m = sampleValue(outcome, opts.key);
    const cause = 'infrastructure' in outcome ? outcome.infrastructure : undefined;
    if (m.ok || cause === undefined) return m;
    if (attempt >= SAMPLE_INFRA_RETRIES || opts.signal?.aborted) return { ...m, infrastructure: cause };
  }
}

function runOnce(opts: TimeSampleOptions): Promise<EvaluationOutcome> {
  return runEvaluation({
    sandbox: opts.sandbox,
    workspaceDir: opts.workspaceDir,
    stage: 'time',
    seed: opts.seed,
    target: opts.target,
    samples: 1,
    sampleIndex: opts.sampleIndex,
    labels: opts.labels,
    signal: opts.signal,
  });
}
