// When to stop taking timing samples: enough precision, no chance of clearing the threshold, or the sample cap.
import { bootstrapRatioOfMedians } from './bootstrap.js';
import { relativeHalfWidth, type SpeedupInterval } from './interval.js';

export interface SequentialPolicy {
  /** Samples per arm before the first look. */
  minSamples: number;
  /** Samples per arm at most. */
  maxSamples: number;
  /** Target relative half-width of the interval (e.g. 0.02 = ±2%). */
  precision: number;
  minEffect: number;
  confidence: number;
  /** Bootstrap resamples per look (the final interval may use more). */
  resamples?: number;
  seed?: number;
}

export type StopReason = 'precision' | 'futility' | 'max-samples';

export interface StopDecision {
  stop: boolean;
  why?: StopReason;
  interval?: SpeedupInterval;
}

/**
 * Looks after every pair once both arms hold `minSamples`. Stopping is driven by the interval's width
 * (nearly independent of where it lies), plus futility (the upper end is already below the threshold),
 * so repeated looks barely raise the false verification rate; stopping on "it clears" is never done.
 */
export function shouldStop(
  baseline: readonly number[],
  candidate: readonly number[],
  policy: SequentialPolicy,
): StopDecision {
  const n = Math.min(baseline.length, candidate.length);
  if (n < Math.max(2, policy.minSamples)) return { stop: false };
  const interval = bootstrapRatioOfMedians(baseline, candidate, {
    confidence: policy.confidence,
    resamples: policy.resamples ?? 1000,
    seed: policy.seed,
  });
  if (n >= policy.maxSamples) return { stop: true, why: 'max-samples', interval };
  if (interval.high < 1 + policy.minEffect) return { stop: true, why: 'futility', interval };
  if (relativeHalfWidth(interval) <= policy.precision) return { stop: true, why: 'precision', interval };
  return { stop: false, interval };
}
