// When to stop taking timing pairs: a clear win (Haybittle–Peto boundary), no chance of clearing the threshold, enough precision, or the cap.
import { probit } from 'simple-statistics';
import { relativeHalfWidth } from './interval.js';
import { pairedSpeedup, type PairedInterval } from './paired.js';

export interface SequentialPolicy {
  /** Pairs before the first look. */
  minSamples: number;
  /** Pairs at most. */
  maxSamples: number;
  /** Target relative half-width of the interval (e.g. 0.02 = ±2%). */
  precision: number;
  minEffect: number;
  confidence: number;
  /** Bootstrap resamples per look (the final interval may use more). */
  resamples?: number;
  seed?: number;
}

export type StopReason = 'precision' | 'futility' | 'efficacy' | 'max-samples';

export interface StopDecision {
  stop: boolean;
  why?: StopReason;
  interval?: PairedInterval;
}

/**
 * Two-sided z of the interim efficacy boundary (p < 0.001, Haybittle–Peto): an early "clears" needs
 * far stronger evidence than the final look, so looking after every pair barely raises the false
 * verification rate, and the final verdict keeps the nominal confidence.
 */
export const INTERIM_Z = probit(1 - 0.001 / 2);

/**
 * Looks after every pair once `minSamples` pairs are in. Stops for efficacy (the estimate minus
 * INTERIM_Z standard errors clears 1 + minEffect), futility (the nominal interval's upper end is below
 * it), precision (the nominal interval's relative half-width <= precision; independent of where it
 * lies), or the cap.
 */
export function shouldStop(
  baseline: readonly number[],
  candidate: readonly number[],
  policy: SequentialPolicy,
): StopDecision {
  const n = Math.min(baseline.length, candidate.length);
  if (n < Math.max(2, policy.minSamples)) return { stop: false };
  const interval = pairedSpeedup(baseline.slice(0, n), candidate.slice(0, n), {
    confidence: policy.confidence,
    resamples: policy.resamples ?? 1000,
    seed: policy.seed,
  });
  const threshold = Math.log(1 + policy.minEffect);
  if (n >= policy.maxSamples) return { stop: true, why: 'max-samples', interval };
  if (Math.log(interval.estimate) - INTERIM_Z * interval.logSe > threshold)
    return { stop: true, why: 'efficacy', interval };
  if (interval.high < 1 + policy.minEffect) return { stop: true, why: 'futility', interval };
  if (relativeHalfWidth(interval) <= policy.precision) return { stop: true, why: 'precision', interval };
  return { stop: false, interval };
}
