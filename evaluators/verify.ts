// Verification of a screened candidate: correctness on held-out inputs with fresh seeds, then interleaved timing against the baseline.
import { randomInt } from 'node:crypto';
import type { EvaluationOutcome } from './result.js';
import { runEvaluation } from './run-evaluation.js';
import { PAIRED_METHOD } from './stats/paired.js';
import { finalConfidence } from './stats/sequential.js';
import { judgeTimedRun } from './verify-judge.js';
import { sampleValue, timeSample } from './verify-sample.js';
import { interleavedTiming, type InterleavedResult } from './verify-timing.js';
import { seriesOf } from '../sandboxes/series.js';
import type { Verdict, VerifyOptions, VerifyResult } from './verify-types.js';

export type { Verdict, VerdictSample, VerifyOptions, VerifyResult, TimingPolicy } from './verify-types.js';
export type { PairProgress } from './verify-timing.js';

export const DETERMINISTIC_METHOD = 'deterministic-heldout';
export const REFUSED_METHOD = 'guard-refused';
/** Default relative half-width at which sampling stops. */
export const DEFAULT_PRECISION = 0.02;

function oriented(opts: VerifyOptions, metrics: Record<string, number>): number | null {
  const value = metrics[opts.primary.name];
  if (value === undefined || !Number.isFinite(value)) return null;
  return opts.primary.direction === 'minimize' ? -value : value;
}

/** A one-line account of a verify-stage outcome that is not a correct result. */
function heldOutProblem(outcome: EvaluationOutcome): string | undefined {
  if (outcome.status === 'ok') return undefined;
  if ('result' in outcome) {
    const failed = outcome.result.checks.find((c) => !c.ok);
    const detail = failed
      ? `${failed.name}${failed.detail ? `: ${failed.detail}` : ''}`
      : outcome.result.feedback;
    return `incorrect on held-out inputs (${(detail.split('\n')[0] ?? '').slice(0, 300)})`;
  }
  return `held-out verification ${outcome.status}: ${outcome.reason}`;
}

function feedbackOf(outcome: EvaluationOutcome): string {
  return 'result' in outcome ? outcome.result.feedback : outcome.feedback;
}

function runVerifyStage(
  opts: VerifyOptions,
  workspaceDir: string,
  seed: number,
  who: string,
): Promise<EvaluationOutcome> {
  return runEvaluation({
    sandbox: opts.sandbox,
    workspaceDir,
    stage: 'verify',
    seed,
    target: opts.targets.verify,
    labels: { ...opts.labels, 'adrs.stage': 'verify', 'adrs.arm': who },
    signal: opts.signal,
  });
}

/**
 * Judges a candidate that beat the incumbent on screen. Never throws for anything the candidate does.
 * @example
 * const { verdict } = await verifyCandidate({ sandbox, candidateId, candidateDir, baselineDir, targets,
 *   timing: { key: 'solve', minSamples: 10, maxSamples: 40, minEffect: 0.01, confidence: 0.95 },
 *   primary: { name: 'time_s', direction: 'minimize' }, fingerprint });
 * store.insertVerdict(verdict);
 */
export async function verifyCandidate(opts: VerifyOptions): Promise<VerifyResult> {
  const timed = opts.timing.key !== undefined;
  const method = timed ? PAIRED_METHOD : DETERMINISTIC_METHOD;
  const base: Verdict = {
    candidateId: opts.candidateId,
    baselineCandidateId: opts.baselineCandidateId ?? null,
    verified: false,
    correct: false,
    method,
    speedup: null,
    ciLow: null,
    ciHigh: null,
    confidence: timed ? finalConfidence(opts.timing) : null,
    minEffect: timed ? opts.timing.minEffect : null,
    reason: '',
    fingerprint: opts.fingerprint,
  };
  if (opts.guard && !opts.guard.ok) {
    return {
      verdict: { ...base, method: REFUSED_METHOD, reason: opts.guard.reason },
      feedback: opts.guard.reason,
    };
  }
  const seed = opts.seed ?? randomInt(1, 2 ** 31 - 1);
  const heldOut = await runVerifyStage(opts, opts.candidateDir, seed, 'candidate');
  const problem = heldOutProblem(heldOut);
  if (problem)
    return { verdict: { ...base, reason: problem }, heldOut, feedback: feedbackOf(heldOut) || problem };
  const metrics = heldOut.status === 'ok' ? heldOut.result.metrics : {};
  const score = oriented(opts, metrics);
  const correct: Verdict = { ...base, correct: true, score, metrics: { ...metrics } };
  if (!timed) return verifyDeterministic(opts, correct, heldOut, seed);
  return verifyTimed(opts, correct, heldOut, seed);
}

async function verifyDeterministic(
  opts: VerifyOptions,
  verdict: Verdict,
  heldOut: EvaluationOutcome,
  seed: number,
): Promise<VerifyResult> {
  const baselineHeldOut = await runVerifyStage(opts, opts.baselineDir, seed, 'baseline');
  const baselineScore =
    baselineHeldOut.status === 'ok' ? oriented(opts, baselineHeldOut.result.metrics) : null;
  if (verdict.score === null || verdict.score === undefined) {
    const reason = `the held-out result has no metric "${opts.primary.name}" (the primary score)`;
    return { verdict: { ...verdict, reason }, heldOut, baselineHeldOut, feedback: reason };
  }
  if (baselineScore === null) {
    const reason = `the baseline could not be scored on the held-out inputs (${heldOutProblem(baselineHeldOut) ?? 'no primary metric'}); cannot compare`;
    return { verdict: { ...verdict, reason }, heldOut, baselineHeldOut, feedback: reason };
  }
  const shown = (s: number) => String(opts.primary.direction === 'minimize' ? -s : s);
  const metrics = {
    ...verdict.metrics,
    [`baseline.${opts.primary.name}`]: opts.primary.direction === 'minimize' ? -baselineScore : baselineScore,
  };
  const beats = verdict.score > baselineScore;
  const reason = beats
    ? `correct on every held-out input; ${opts.primary.name} ${shown(verdict.score)} beats the baseline's ${shown(baselineScore)}`
    : `correct on held-out inputs, but ${opts.primary.name} ${shown(verdict.score)} does not beat the baseline's ${shown(baselineScore)}`;
  return {
    verdict: { ...verdict, verified: beats, metrics, reason },
    heldOut,
    baselineHeldOut,
    feedback: beats ? '' : reason,
  };
}

function timingFailureReason(run: InterleavedResult): string {
  const f = run.failure!;
  const who = f.arm === 'candidate' ? 'the candidate' : 'the baseline (not the candidate)';
  return `timing sample ${f.pair + 1} of ${who} failed: ${f.reason}`;
}

async function verifyTimed(
  opts: VerifyOptions,
  verdict: Verdict,
  heldOut: EvaluationOutcome,
  seed: number,
): Promise<VerifyResult> {
  const key = opts.timing.key!;
  const policy = {
    minSamples: opts.timing.minSamples,
    maxSamples: Math.max(opts.timing.maxSamples, opts.timing.minSamples),
    precision: opts.timing.precision ?? DEFAULT_PRECISION,
    minEffect: opts.timing.minEffect,
    confidence: opts.timing.confidence,
    ...(opts.timing.extendedMaxSamples ? { extendedMaxSamples: opts.timing.extendedMaxSamples } : {}),
  };
  // One container per arm for all of that arm's samples (reset and checked clean between them), where the
  // sandbox can; never one shared between the arms.
  const arms = { baseline: seriesOf(opts.sandbox), candidate: seriesOf(opts.sandbox) };
  const run = await interleavedTiming({
    key,
    policy,
    seed,
    randomizeOrder: opts.timing.randomizeOrder ?? true,
    signal: opts.signal,
    onSample: opts.onSample,
    onPair: opts.onProgress,
    measure: (arm, pair, pairSeed) =>
      timeSample({
        sandbox: arms[arm].sandbox,
        workspaceDir: arm === 'candidate' ? opts.candidateDir : opts.baselineDir,
        target: opts.targets.time,
        key,
        seed: pairSeed,
        sampleIndex: pair,
        labels: { ...opts.labels, 'adrs.stage': 'time', 'adrs.arm': arm },
        signal: opts.signal,
      }),
  }).finally(() => Promise.all([arms.baseline.release(), arms.candidate.release()]));
  const counted: Verdict = {
    ...verdict,
    nCandidate: run.candidate.length,
    nBaseline: run.baseline.length,
    samples: run.samples,
  };
  if (run.stop === 'failed' || run.stop === 'aborted') {
    const reason =
      run.stop === 'aborted' ? 'verification aborted before the timing finished' : timingFailureReason(run);
    const infrastructure = run.failure?.infrastructure;
    return {
      verdict: { ...counted, reason },
      heldOut,
      feedback: reason,
      ...(infrastructure ? { infrastructure } : {}),
    };
  }
  const judged = judgeTimedRun(run, { ...policy, resamples: opts.timing.resamples, seed });
  return {
    verdict: {
      ...counted,
      verified: judged.verified,
      speedup: judged.interval.estimate,
      ciLow: judged.interval.low,
      ciHigh: judged.interval.high,
      metrics: { ...counted.metrics, ...judged.metrics },
      reason: `correct on every held-out input; ${judged.reason}`,
    },
    heldOut,
    feedback: judged.feedback,
  };
}

/** Re-exported for callers that judge a single time-stage outcome themselves. */
export { sampleValue };
