// verify:progress: the timing loop reports each finished A/B pair, the loop turns it into an event, the CLI view shows it.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../evaluators/stats/rng.js';
import { interleavedTiming, type PairProgress } from '../evaluators/verify-timing.js';
import { attachProgress } from '../orchestrator/cli/progress.js';
import { RunEventBus } from '../orchestrator/events.js';
import { verifyProgressEvent } from '../orchestrator/loop/verify-stage.js';

describe('verify:progress', () => {
  it('is reported after every pair, with the interval from the first look on', async () => {
    const rand = seededRandom(3);
    const seen: PairProgress[] = [];
    const run = await interleavedTiming({
      key: 't',
      policy: { minSamples: 4, maxSamples: 9, precision: 0.0001, minEffect: 0.01, confidence: 0.95 },
      seed: 5,
      randomizeOrder: true,
      // Noisy enough that no stop rule fires before the cap.
      measure: () => Promise.resolve({ ok: true, value: 1 + rand() }),
      onPair: (p) => seen.push(p),
    });
    expect(run.stop).toBe('max-samples');
    expect(seen.map((p) => p.pair)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.every((p) => p.maxPairs === 9)).toBe(true);
    expect(seen.slice(0, 3).every((p) => p.interval === undefined)).toBe(true);
    expect(seen.slice(3).every((p) => p.interval!.low < p.interval!.high)).toBe(true);
    const event = verifyProgressEvent('run_1', 'cand_1', seen.at(-1)!);
    expect(event).toEqual({
      runId: 'run_1',
      candidateId: 'cand_1',
      pair: 9,
      maxPairs: 9,
      interval: [seen.at(-1)!.interval!.low, seen.at(-1)!.interval!.high],
      speedup: seen.at(-1)!.interval!.estimate,
    });
    expect(verifyProgressEvent('run_1', 'cand_1', seen[0]!)).toEqual({
      runId: 'run_1',
      candidateId: 'cand_1',
      pair: 1,
      maxPairs: 9,
    });
  });

  it('shows in the plain progress view every fifth pair and at the cap', () => {
    const bus = new RunEventBus();
    let out = '';
    const stop = attachProgress(bus, { write: (s: string) => (out += s) }, 10);
    for (let pair = 1; pair <= 12; pair++)
      bus.emit('verify:progress', {
        runId: 'r',
        candidateId: 'cand_a',
        pair,
        maxPairs: 12,
        ...(pair >= 5 ? { interval: [1.01, 1.09] as [number, number], speedup: 1.05 } : {}),
      });
    stop();
    expect(out.split('\n').filter(Boolean)).toEqual([
      '  verifying cand_a: pair 5/12, 1.050x [1.010, 1.090]',
      '  verifying cand_a: pair 10/12, 1.050x [1.010, 1.090]',
      '  verifying cand_a: pair 12/12, 1.050x [1.010, 1.090]',
    ]);
  });
});
