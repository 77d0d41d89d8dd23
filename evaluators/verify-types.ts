// Inputs and output of verification; `Verdict` has exactly the fields of the store's NewVerdict, so it is stored as is.
import type { Sandbox } from '../sandboxes/types.js';
import type { EvaluationOutcome } from './result.js';
import type { EvaluationTarget } from './run-evaluation.js';
import type { GuardReport } from './guard/types.js';
import type { PairProgress } from './verify-timing.js';

export type Arm = 'candidate' | 'baseline';

/** One raw measurement; `seq` is the order in which it was taken across both arms (interleaving is visible). */
export interface VerdictSample {
  arm: Arm;
  key: string;
  seq: number;
  value: number;
}

/** What `store.insertVerdict` takes (field for field). */
export interface Verdict {
  candidateId: string;
  baselineCandidateId?: string | null;
  verified: boolean;
  /** Correct on every held-out input. */
  correct: boolean;
  speedup?: number | null;
  ciLow?: number | null;
  ciHigh?: number | null;
  confidence?: number | null;
  minEffect?: number | null;
  nCandidate?: number | null;
  nBaseline?: number | null;
  /** e.g. "paired-bootstrap-log-ratio", "deterministic-heldout", "guard-refused"; older verdicts "bootstrap-ratio-of-medians". */
  method: string;
  /** Primary score (higher is better) on the held-out inputs. */
  score?: number | null;
  metrics?: Record<string, number>;
  /** One line for people: why it was or was not verified. */
  reason: string;
  fingerprint: unknown;
  samples?: VerdictSample[];
}

export interface TimingPolicy {
  /** Timing key in the evaluator result (`timings[key]`); absent = deterministic problem. */
  key?: string;
  /** A/B pairs before the first look (problem.yaml timing.verify_samples). */
  minSamples: number;
  /** A/B pairs at most (timing.max_samples), unless still ambiguous there and extendedMaxSamples allows more. */
  maxSamples: number;
  /**
   * A/B pairs at most for a run whose interval still straddles 1 + minEffect at maxSamples (default: none, no
   * extension). The verdict's confidence then splits the error rate between the two caps (stats/sequential.ts).
   */
  extendedMaxSamples?: number;
  /** Relative improvement the interval's lower end must clear (timing.min_effect, e.g. 0.01). */
  minEffect: number;
  /** Interval confidence (timing.confidence, e.g. 0.95). */
  confidence: number;
  /** Target relative half-width of the interval; sampling stops once reached (default 0.02). */
  precision?: number;
  /** Randomise which arm goes first within each pair (default true). */
  randomizeOrder?: boolean;
  /** Bootstrap resamples for the final interval (default 2000). */
  resamples?: number;
}

export interface VerifyOptions {
  sandbox: Sandbox;
  candidateId: string;
  /** Host folder of the candidate's full workspace (seed with its files written over it). */
  candidateDir: string;
  /** Host folder of the baseline's workspace (the seed or the incumbent). */
  baselineDir: string;
  baselineCandidateId?: string | null;
  /** Targets for the verify and time stages (both see the held-out workloads). */
  targets: { verify: EvaluationTarget; time: EvaluationTarget };
  timing: TimingPolicy;
  /** The primary metric, for the held-out score (and the comparison on deterministic problems). */
  primary: { name: string; direction: 'maximize' | 'minimize' };
  /** Base of the fresh seeds (random when absent); pair i uses seed + 1 + i for both arms. */
  seed?: number;
  /** Environment fingerprint stored with the verdict (see fingerprint.ts). */
  fingerprint: unknown;
  /** A static guard report computed beforehand; a failed one refuses the candidate without running it. */
  guard?: GuardReport;
  labels?: Record<string, string>;
  signal?: AbortSignal;
  /** Progress: called after every timing sample. */
  onSample?: (sample: VerdictSample) => void;
  /** Progress: called after every complete A/B pair, with the interval once the sequential rule looks. */
  onProgress?: (progress: PairProgress) => void;
}

export interface VerifyResult {
  verdict: Verdict;
  /** The candidate's verify-stage outcome (store it as an evaluation row with stage "verify"). */
  heldOut?: EvaluationOutcome;
  /** The baseline's verify-stage outcome (deterministic problems only). */
  baselineHeldOut?: EvaluationOutcome;
  /** Feedback for the model when not verified. */
  feedback: string;
  /**
   * The platform failed a timing sample on every try (evaluators/infrastructure.ts): the verdict is no judgement
   * of the candidate and must not be stored as one; the caller retries the verification or keeps it pending.
   */
  infrastructure?: string;
}
