// The verify stage of the loop: a candidate that beats the incumbent on screen is re-judged (held-out inputs,
// fresh seeds, interleaved A/B timing against the seed) and the verdict is stored.
import type { LoadedProblem } from '../../problems/src/load.js';
import type { Sandbox } from '../../sandboxes/types.js';
import { recordOutcome } from '../evaluate/evaluate-candidate.js';
import { infraOf, retryInfrastructure } from '../evaluate/infra-retry.js';
import { verifyFiles } from '../evaluate/verify-files.js';
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
  const { result: r, infrastructure } = await retryInfrastructure(
    () =>
      verifyFiles({
        problem,
        sandbox,
        candidateId: req.candidateId,
        files: req.files,
        baselineFiles: req.baselineFiles,
        baselineCandidateId: req.baselineId,
        seed: req.seed,
        gpus: req.gpus,
        signal: req.signal,
      }),
    (res) => infraOf(res.heldOut) ?? infraOf(res.baselineHeldOut),
    { signal: req.signal },
  );
  const v = r.verdict;
  // Interrupted: store nothing; the loop verifies the candidate again on resume.
  if (req.signal?.aborted)
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
  store.transaction(() => {
    if (r.heldOut)
      recordOutcome(store, problem, req.candidateId, 'verify', req.seed, sandbox.kind, r.heldOut);
    if (r.baselineHeldOut)
      recordOutcome(store, problem, req.baselineId, 'verify', req.seed, sandbox.kind, r.baselineHeldOut);
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
