// Hodges–Lehmann shift of log times (baseline vs candidate) with the distribution-free Moses interval, as a speedup.
import { probit } from 'simple-statistics';
import { assertSamples, type SpeedupInterval } from './interval.js';

export const HL_METHOD = 'hodges-lehmann-log';

/**
 * Median of all pairwise differences log(b_i) - log(c_j), exponentiated; the interval takes the
 * order statistics of those differences at the Mann–Whitney critical ranks (normal approximation).
 */
export function hodgesLehmannSpeedup(
  baseline: readonly number[],
  candidate: readonly number[],
  confidence = 0.95,
): SpeedupInterval {
  assertSamples('baseline', baseline);
  assertSamples('candidate', candidate);
  const m = baseline.length;
  const n = candidate.length;
  const diffs: number[] = [];
  for (const b of baseline) for (const c of candidate) diffs.push(Math.log(b) - Math.log(c));
  diffs.sort((a, b) => a - b);
  const total = diffs.length;
  const mid = total / 2;
  const center = total % 2 ? diffs[Math.floor(mid)]! : (diffs[mid - 1]! + diffs[mid]!) / 2;
  const z = probit(1 - (1 - confidence) / 2);
  const k = Math.floor((m * n) / 2 - z * Math.sqrt((m * n * (m + n + 1)) / 12));
  const lowIndex = Math.max(0, Math.min(total - 1, k));
  const highIndex = Math.max(0, Math.min(total - 1, total - 1 - k));
  return {
    estimate: Math.exp(center),
    low: Math.exp(diffs[lowIndex]!),
    high: Math.exp(diffs[highIndex]!),
    confidence,
    method: HL_METHOD,
  };
}
