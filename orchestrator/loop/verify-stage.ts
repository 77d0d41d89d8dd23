// The verify stage of the loop: a candidate that beats the incumbent on screen is re-judged (held-out inputs,
// fresh seeds, interleaved A/B timing against the seed; as one job on a node with the Slurm executor) and the verdict is stored.
import type { PairProgress } from '../../evaluators/verify-timing.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import type { Sandbox } from '../../sandboxes/types.js';
import { recordOutcome } from '../evaluate/evaluate-candidate.js';
import { infraOf, retryInfrastructure } from '../evaluate/infra-retry.js';
import { verifyFiles } from '../evaluate/verify-files.js';
import type { RunEvents } from '../events.js';
import type { Executor } from '../executors/types.js';
import type { Store } from '../store/store.js';

export interface VerifyRequest {
  store: Store;
  problem: LoadedProblem;
  sandbox: Sandbox;
  candidateId: string;
  files: Record<string, string>;
  /** What the speedup is measured against (the run's seed). */
  baselineId: string;
  baselineFiles: Record<string, string>;
  seed: number;
  gpus?: string;
  signal?: AbortSignal;
  /** An executor with `verify` (Slurm) runs the whole verification as one job there; otherwise it runs here in `sandbox`. */
  executor?: Executor;
  /** Called as A/B pairs complete (the loop emits verify:progress). */
  onProgress?: (progress: PairProgress) => void;
}

export interface VerifyResult {
  verified: boolean;
  speedup: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** Primary score on the held-out inputs. */
  score: number | null;
  reason: string;
  /** Aborted before a verdict: nothing was stored. */
  interrupted?: boolean;
  /** The platform failed on every try (infra-retry.ts): nothing was stored; the candidate stays pending. */
  infrastructure?: string;
}

export type VerifyFn = (req: VerifyRequest) => Promise<VerifyResult>;

/** Whether the problem has held-out inputs to verify on. */
export function hasVerifyStage(problem: LoadedProblem): boolean {
  return problem.verifyWorkloadsDir !== undefined || problem.spec.evaluator.stages.verify !== undefined;
}

/** Runs the verification (evaluate/verify-files.ts) and stores what it produced: held-out evaluation rows and the verdict. */
export const verifyStage: VerifyFn = async (req) => {
  const { store, problem, sandbox } = req;
  const stored = storedVerdict(store, req);
  if (stored) return stored;
  const remote = req.executor?.verify ? req.executor : undefined;
  // A platform fault (sandbox start, EAGAIN) on a held-out run is retried; it is never the candidate's failure.
  const { result: r, infrastructure } = await retryInfrastructure(
    () =>
      remote
        ? remote.verify!(
            {
              id: `${req.candidateId}-verify-${req.seed}`,
              candidateId: req.candidateId,
              problemDir: problem.dir,
              problemHash: problem.contentHash,
              files: req.files,
              baselineFiles: req.baselineFiles,
              baselineCandidateId: req.baselineId,
              seed: req.seed,
              sandbox: sandbox.kind,
              ...(req.gpus ? { gpus: req.gpus } : {}),
            },
            { signal: req.signal, onProgress: req.onProgress },
          ).catch((error: unknown) => {
            // Aborted (or the executor disposed) while the job was out: nothing is stored, resume verifies again.
            if (req.signal?.aborted) return undefined;
            throw error;
          })
        : verifyFiles({
            problem,
            sandbox,
            candidateId: req.candidateId,
            files: req.files,
            baselineFiles: req.baselineFiles,
            baselineCandidateId: req.baselineId,
            seed: req.seed,
            gpus: req.gpus,
            signal: req.signal,
            onProgress: req.onProgress,
          }),
    // Held-out runs and timing samples alike: a platform fault anywhere in the verification is not a verdict.
    (res) => (res ? (res.infrastructure ?? infraOf(res.heldOut) ?? infraOf(res.baselineHeldOut)) : undefined),
    { signal: req.signal },
  );
  // Interrupted: store nothing; the loop verifies the candidate again on resume.
  if (!r || req.signal?.aborted)
    return {
      verified: false,
      speedup: null,
      ciLow: null,
      ciHigh: null,
      score: null,
      reason: 'interrupted',
      interrupted: true,
    };
  // The platform failed on every try: no verdict is stored against the candidate.
  if (infrastructure)
    return {
      verified: false,
      speedup: null,
      ciLow: null,
      ciHigh: null,
      score: null,
      reason: `infrastructure (not the candidate's failure): ${infrastructure}`,
      infrastructure,
    };
  const v = r.verdict;
  // Held-out outcomes are stored under the sandbox kind that produced them (the node's, for a remote job).
  const kind = remote ? sandboxKindOf(v.fingerprint, sandbox.kind) : sandbox.kind;
  store.transaction(() => {
    if (r.heldOut) recordOutcome(store, problem, req.candidateId, 'verify', req.seed, kind, r.heldOut);
    if (r.baselineHeldOut)
      recordOutcome(store, problem, req.baselineId, 'verify', req.seed, kind, r.baselineHeldOut);
    store.insertVerdict(v);
  });
  return {
    verified: v.verified,
    speedup: v.speedup ?? null,
    ciLow: v.ciLow ?? null,
    ciHigh: v.ciHigh ?? null,
    score: v.score ?? null,
    reason: v.reason,
  };
};

/**
 * The verdict this very request already stored: a kill -9 after the verdict's transaction committed but before
 * the loop saved its state leaves the candidate pending; resume takes the stored verdict instead of measuring
 * (and counting) it a second time. The held-out row with the request's seed is written in the same transaction.
 */
function storedVerdict(store: Store, req: VerifyRequest): VerifyResult | undefined {
  const heldOut = store
    .listEvaluations(req.candidateId)
    .some((e) => e.stage === 'verify' && e.seed === req.seed);
  const v = heldOut ? store.latestVerdict(req.candidateId) : undefined;
  if (!v) return undefined;
  return {
    verified: v.verified === 1,
    speedup: v.speedup,
    ciLow: v.ci_low,
    ciHigh: v.ci_high,
    score: v.score,
    reason: v.reason,
  };
}

function sandboxKindOf(fingerprint: unknown, fallback: string): string {
  const kind = (fingerprint as { sandbox?: { kind?: unknown } } | null)?.sandbox?.kind;
  return typeof kind === 'string' ? kind : fallback;
}

/** The verify:progress payload for a pair count (and the interval, once there is one). */
export function verifyProgressEvent(
  runId: string,
  candidateId: string,
  p: PairProgress,
): RunEvents['verify:progress'] {
  return {
    runId,
    candidateId,
    pair: p.pair,
    maxPairs: p.maxPairs,
    ...(p.interval ? { interval: [p.interval.low, p.interval.high], speedup: p.interval.estimate } : {}),
  };
}
