// Turns a finished interleaved timing run into the verdict's numbers: bootstrap interval, Hodges–Lehmann check, decision.
import { median } from 'simple-statistics';
import { bootstrapRatioOfMedians } from './stats/bootstrap.js';
import { hodgesLehmannSpeedup } from './stats/hodges-lehmann.js';
import type { SpeedupInterval } from './stats/interval.js';
import { judgeSpeedup } from './stats/judge.js';
import type { InterleavedResult } from './verify-timing.js';

export interface TimedJudgement {
  verified: boolean;
  interval: SpeedupInterval;
  /** Timing figures for the verdict's metrics (medians, Hodges–Lehmann estimate and interval). */
  metrics: Record<string, number>;
  /** One line: estimate, interval, threshold, sample counts and why sampling stopped. */
  reason: string;
  /** Short text for the model. */
  feedback: string;
}

export function judgeTimedRun(
  run: InterleavedResult,
  policy: { minEffect: number; confidence: number; resamples?: number; seed: number },
): TimedJudgement {
  const interval = bootstrapRatioOfMedians(run.baseline, run.candidate, {
    confidence: policy.confidence,
    resamples: policy.resamples ?? 2000,
    seed: policy.seed,
  });
  const hl = hodgesLehmannSpeedup(run.baseline, run.candidate, policy.confidence);
  const judged = judgeSpeedup(interval, policy.minEffect);
  return {
    verified: judged.verified,
    interval,
    metrics: {
      'timing.median_candidate_s': median(run.candidate),
      'timing.median_baseline_s': median(run.baseline),
      'timing.hl_speedup': hl.estimate,
      'timing.hl_ci_low': hl.low,
      'timing.hl_ci_high': hl.high,
    },
    reason: `${judged.reason}; ${run.candidate.length}+${run.baseline.length} samples (stopped: ${run.stop})`,
    feedback: judged.verified ? '' : `Held-out timing against the baseline: ${judged.reason}.`,
  };
}
