// Turns a finished interleaved timing run into the verdict's numbers: paired bootstrap interval, decision, minimum detectable effect, cross-checks.
import { median } from 'simple-statistics';
import { bootstrapRatioOfMedians } from './stats/bootstrap.js';
import { hodgesLehmannSpeedup } from './stats/hodges-lehmann.js';
import { judgeSpeedup } from './stats/judge.js';
import { minimumDetectableEffect, pairedSpeedup, type PairedInterval } from './stats/paired.js';
import { extendsCap, finalConfidence } from './stats/sequential.js';
import type { InterleavedResult } from './verify-timing.js';

export interface TimedJudgement {
  verified: boolean;
  /** The verdict's interval: paired (ratio within each A/B pair, bootstrap over pairs). */
  interval: PairedInterval;
  /** Relative effect verified with 90% power at this run's noise and pair count (0.02 = 2%). */
  mde90: number;
  /** Timing figures for the verdict's metrics (medians, paired figures, independent-groups cross-checks). */
  metrics: Record<string, number>;
  /** One line: estimate, interval, threshold, pair count, why sampling stopped, minimum detectable effect. */
  reason: string;
  /** Short text for the model. */
  feedback: string;
}

export interface JudgePolicy {
  minEffect: number;
  confidence: number;
  /** The policy's pair cap (the minimum detectable effect is also given there). */
  maxSamples?: number;
  /** The cap for runs still ambiguous at maxSamples (sequential.ts); with it the verdict's confidence is finalConfidence. */
  extendedMaxSamples?: number;
  resamples?: number;
  seed: number;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function judgeTimedRun(run: InterleavedResult, policy: JudgePolicy): TimedJudgement {
  const n = Math.min(run.baseline.length, run.candidate.length);
  const baseline = run.baseline.slice(0, n);
  const candidate = run.candidate.slice(0, n);
  const resamples = policy.resamples ?? 2000;
  const maxSamples = policy.maxSamples ?? n;
  const confidence = finalConfidence({ ...policy, maxSamples });
  const interval = pairedSpeedup(baseline, candidate, {
    confidence,
    resamples,
    seed: policy.seed,
  });
  // Cross-checks that ignore the pairing (two independent groups); kept in the metrics, never decisive.
  const independent = bootstrapRatioOfMedians(baseline, candidate, {
    confidence: policy.confidence,
    resamples,
    seed: policy.seed,
  });
  const hl = hodgesLehmannSpeedup(baseline, candidate, policy.confidence);
  const judged = judgeSpeedup(interval, policy.minEffect);
  const mdeOpts = { minEffect: policy.minEffect, confidence, power: 0.9 };
  const mde90 = minimumDetectableEffect(interval.logSe, mdeOpts);
  const policyCap = extendsCap({ ...policy, maxSamples }) ? policy.extendedMaxSamples! : maxSamples;
  const cap = Math.max(policyCap, n);
  const mdeAtCap = minimumDetectableEffect(interval.logSe * Math.sqrt(n / cap), mdeOpts);
  const mdeText =
    cap > n
      ? `detectable at 90% power: ${pct(mde90)} at ${n} pairs, ${pct(mdeAtCap)} at the cap of ${cap}`
      : `detectable at 90% power: ${pct(mde90)}`;
  return {
    verified: judged.verified,
    interval,
    mde90,
    metrics: {
      'timing.median_candidate_s': median(candidate),
      'timing.median_baseline_s': median(baseline),
      'timing.pairs': n,
      'timing.pair_log_sd': interval.logSd,
      'timing.mde90': mde90,
      'timing.mde90_at_cap': mdeAtCap,
      'timing.independent_speedup': independent.estimate,
      'timing.independent_ci_low': independent.low,
      'timing.independent_ci_high': independent.high,
      'timing.hl_speedup': hl.estimate,
      'timing.hl_ci_low': hl.low,
      'timing.hl_ci_high': hl.high,
    },
    reason: `${judged.reason}; paired, ${n} pairs (stopped: ${run.stop}); ${mdeText}; independent-groups cross-check ${independent.estimate.toFixed(3)}x [${independent.low.toFixed(3)}, ${independent.high.toFixed(3)}]`,
    feedback: judged.verified
      ? ''
      : `Held-out timing against the baseline: ${judged.reason} (effects under about ${pct(mde90)} are not reliably detected here).`,
  };
}
