// When to stop taking timing pairs: a clear win (Haybittle–Peto boundary), no chance of clearing the threshold, enough precision, or the cap.
import { probit } from 'simple-statistics';
import { relativeHalfWidth } from './interval.js';
import { pairedSpeedup, type PairedInterval } from './paired.js';

export interface SequentialPolicy {
  /** Pairs before the first look. */
  minSamples: number;
  /** Pairs at most, unless the estimate is still ambiguous there and `extendedMaxSamples` allows more. */
  maxSamples: number;
  /**
   * Pairs at most for a run still ambiguous at `maxSamples` (its interval straddles 1 + minEffect): sampling
   * goes on, looking every `extendStep` pairs, until a clear win, futility or this cap. Absent or not above
   * maxSamples: no extension. With it, the two decisive looks (at maxSamples and at this cap) each spend half
   * of the error rate (finalConfidence), so the false verification rate stays at most the nominal one.
   */
  extendedMaxSamples?: number;
  /** Pairs between looks past maxSamples (default 10; each look is a bootstrap). */
  extendStep?: number;
  /** Target relative half-width of the interval (e.g. 0.02 = ±2%). */
  precision: number;
  minEffect: number;
  confidence: number;
  /** Bootstrap resamples per look (the final interval may use more). */
  resamples?: number;
  seed?: number;
}

export type StopReason = 'precision' | 'futility' | 'efficacy' | 'max-samples' | 'extended-max-samples';

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
 * The interim boundary: the estimate minus INTERIM_Z standard errors clears the threshold, and so does the
 * verdict's interval (with few or lumpy pairs the bootstrap standard error alone can understate the spread,
 * and a run stopped for a win must not then be judged unverified).
 */
function clearWin(interval: PairedInterval, threshold: number, minEffect: number): boolean {
  return Math.log(interval.estimate) - INTERIM_Z * interval.logSe > threshold && interval.low > 1 + minEffect;
}

/** Whether the policy may extend past maxSamples. */
export function extendsCap(policy: Pick<SequentialPolicy, 'maxSamples' | 'extendedMaxSamples'>): boolean {
  return (policy.extendedMaxSamples ?? 0) > policy.maxSamples;
}

/**
 * Confidence of the verdict's interval: the nominal one, or with an extension (two decisive looks, at the cap
 * and the extended cap) the nominal error rate split between them (Bonferroni: valid however the looks correlate).
 */
export function finalConfidence(
  policy: Pick<SequentialPolicy, 'maxSamples' | 'extendedMaxSamples' | 'confidence'>,
): number {
  return extendsCap(policy) ? 1 - (1 - policy.confidence) / 2 : policy.confidence;
}

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
  // At the verdict's confidence, so that every stop agrees with the verdict judged at that confidence.
  const interval = pairedSpeedup(baseline.slice(0, n), candidate.slice(0, n), {
    confidence: finalConfidence(policy),
    resamples: policy.resamples ?? 1000,
    seed: policy.seed,
  });
  const threshold = Math.log(1 + policy.minEffect);
  if (n >= policy.maxSamples) {
    if (!extendsCap(policy)) return { stop: true, why: 'max-samples', interval };
    const cap = policy.extendedMaxSamples!;
    if (n >= cap) return { stop: true, why: 'extended-max-samples', interval };
    // Past the cap: decide on the spent-alpha interval only at the cap itself; then look every extendStep pairs.
    const step = Math.max(1, policy.extendStep ?? 10);
    if (n > policy.maxSamples && (n - policy.maxSamples) % step !== 0) return { stop: false, interval };
    if (clearWin(interval, threshold, policy.minEffect)) return { stop: true, why: 'efficacy', interval };
    if (interval.high < 1 + policy.minEffect) return { stop: true, why: 'futility', interval };
    // Clearly above the threshold at the cap (the spent-alpha interval): no reason to sample more.
    if (n === policy.maxSamples && interval.low > 1 + policy.minEffect)
      return { stop: true, why: 'max-samples', interval };
    return { stop: false, interval };
  }
  if (clearWin(interval, threshold, policy.minEffect)) return { stop: true, why: 'efficacy', interval };
  if (interval.high < 1 + policy.minEffect) return { stop: true, why: 'futility', interval };
  // With an extension, precision alone never stops a run: a narrow interval that straddles the threshold is the
  // ambiguous case the extension is for (and one that clears it stops at the cap's decisive look or earlier).
  if (!extendsCap(policy) && relativeHalfWidth(interval) <= policy.precision)
    return { stop: true, why: 'precision', interval };
  return { stop: false, interval };
}
