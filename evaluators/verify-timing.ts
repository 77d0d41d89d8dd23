// Interleaved A/B timing: one fresh-process sample per arm per pair, order optionally shuffled, until the sequential rule stops.
import { extendsCap, shouldStop, type SequentialPolicy, type StopReason } from './stats/sequential.js';
import type { SpeedupInterval } from './stats/interval.js';
import { seededRandom } from './stats/rng.js';
import type { Arm, VerdictSample } from './verify-types.js';

/** One sample's value, or why there is none; `infrastructure` when the platform, not the program, failed. */
export type Measurement =
  { ok: true; value: number } | { ok: false; reason: string; infrastructure?: string };

export interface InterleavedOptions {
  key: string;
  policy: SequentialPolicy;
  /** Takes one sample of one arm (a fresh process); `pair` is the pair index, `seed` the pair's seed (same for both arms). */
  measure: (arm: Arm, pair: number, seed: number) => Promise<Measurement>;
  seed: number;
  randomizeOrder: boolean;
  signal?: AbortSignal;
  onSample?: (sample: VerdictSample) => void;
  /** Called after every complete pair; `interval` once enough pairs are in for a look. */
  onPair?: (progress: PairProgress) => void;
}

export interface PairProgress {
  /** Pairs complete (1-based count). */
  pair: number;
  maxPairs: number;
  interval?: SpeedupInterval;
}

export interface InterleavedResult {
  /** baseline[i] and candidate[i] were taken in pair i (the paired analysis relies on it). */
  baseline: number[];
  candidate: number[];
  /** Both arms in measurement order. */
  samples: VerdictSample[];
  stop: StopReason | 'failed' | 'aborted';
  failure?: { arm: Arm; pair: number; reason: string; infrastructure?: string };
}

export async function interleavedTiming(opts: InterleavedOptions): Promise<InterleavedResult> {
  const rand = seededRandom(opts.seed ^ 0x2545f491);
  const values: Record<Arm, number[]> = { baseline: [], candidate: [] };
  const samples: VerdictSample[] = [];
  const maxPairs = extendsCap(opts.policy) ? opts.policy.extendedMaxSamples! : opts.policy.maxSamples;
  for (let pair = 0; pair < maxPairs; pair++) {
    const order: Arm[] =
      opts.randomizeOrder && rand() < 0.5 ? ['candidate', 'baseline'] : ['baseline', 'candidate'];
    for (const arm of order) {
      if (opts.signal?.aborted)
        return { baseline: values.baseline, candidate: values.candidate, samples, stop: 'aborted' };
      const m = await opts.measure(arm, pair, opts.seed + 1 + pair);
      if (!m.ok) {
        return {
          baseline: values.baseline,
          candidate: values.candidate,
          samples,
          stop: 'failed',
          failure: {
            arm,
            pair,
            reason: m.reason,
            ...(m.infrastructure ? { infrastructure: m.infrastructure } : {}),
          },
        };
      }
      values[arm].push(m.value);
      const sample: VerdictSample = { arm, key: opts.key, seq: samples.length, value: m.value };
      samples.push(sample);
      opts.onSample?.(sample);
    }
    const decision = shouldStop(values.baseline, values.candidate, { ...opts.policy, seed: opts.seed });
    opts.onPair?.({ pair: pair + 1, maxPairs, interval: decision.interval });
    if (decision.stop) {
      return {
        baseline: values.baseline,
        candidate: values.candidate,
        samples,
        stop: decision.why ?? 'max-samples',
      };
    }
  }
  return { baseline: values.baseline, candidate: values.candidate, samples, stop: 'max-samples' };
}
