// Speedup as the ratio of medians (baseline / candidate) with a seeded percentile-bootstrap confidence interval.
import { median, quantileSorted } from 'simple-statistics';
import { assertSamples, type SpeedupInterval } from './interval.js';
import { seededRandom } from './rng.js';

export const BOOTSTRAP_METHOD = 'bootstrap-ratio-of-medians';

export interface BootstrapOptions {
  confidence?: number;
  /** Number of resamples (default 2000). */
  resamples?: number;
  /** RNG seed; the same samples and seed always give the same interval. */
  seed?: number;
}

function resampleMedian(values: readonly number[], buffer: number[], rand: () => number): number {
  const n = values.length;
  for (let i = 0; i < n; i++) buffer[i] = values[Math.floor(rand() * n)]!;
  return median(buffer);
}

/**
 * Resamples each arm independently (with replacement) and takes the ratio of the two medians.
 * @example bootstrapRatioOfMedians([1.0, 1.1, 0.9], [0.5, 0.55, 0.45]).estimate // 2
 */
export function bootstrapRatioOfMedians(
  baseline: readonly number[],
  candidate: readonly number[],
  options: BootstrapOptions = {},
): SpeedupInterval {
  assertSamples('baseline', baseline);
  assertSamples('candidate', candidate);
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const rand = seededRandom(options.seed ?? 0x5eed);
  const bufB = new Array<number>(baseline.length);
  const bufC = new Array<number>(candidate.length);
  const ratios = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    ratios[r] = resampleMedian(baseline, bufB, rand) / resampleMedian(candidate, bufC, rand);
  }
  ratios.sort((a, b) => a - b);
  const alpha = 1 - confidence;
  return {
    estimate: median([...baseline]) / median([...candidate]),
    low: quantileSorted(ratios, alpha / 2),
    high: quantileSorted(ratios, 1 - alpha / 2),
    confidence,
    method: BOOTSTRAP_METHOD,
  };
}
