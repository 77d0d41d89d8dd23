// The proposer contract: (problem, parent, feedback, inspirations, history) -> new evolved files, with usage and cost.
import type { LoadedProblem } from '../../problems/src/load.js';
import type { NewLlmCall } from '../store/types.js';

export interface ProgramView {
  id: string;
  /** Evolved files by relative path (full content). */
  files: Record<string, string>;
  metrics: Record<string, number>;
  /** Primary score, higher is better; null when incorrect or failed. */
  score: number | null;
  correct: boolean;
  generation: number;
}

export interface ParentView extends ProgramView {
  /** Evaluator feedback of the parent's last evaluation (failed checks, reasons). */
  feedback: string;
  failedChecks: { name: string; detail?: string }[];
  stderrTail: string;
}

/** An earlier attempt and what became of it. */
export interface AttemptView {
  id: string;
  parentId: string | null;
  summary: string;
  status: string;
  score: number | null;
  delta: number | null;
  /** The attempt failed for a reason outside its code (a provider or network error): not shown to the model. */
  infrastructure?: boolean;
}

export interface ProposalContext {
  runId: string;
  iteration: number;
  problem: LoadedProblem;
  parent: ParentView;
  inspirations: ProgramView[];
  history: AttemptView[];
  /** Seeded random numbers in [0, 1) (the run's RNG, so a resumed run stays reproducible). */
  random: () => number;
  /** Stores one LLM call (the transcript, tokens, cost) and returns its id. */
  recordCall: (call: Omit<NewLlmCall, 'runId' | 'candidateId'>) => number;
  /** Prompt template overrides (problem and run level). */
  templates?: { system?: string; user?: string };
  signal?: AbortSignal;
  /** Shows a message while the proposal is under way (a retry's backoff), as a run warning. */
  notify?: (message: string) => void;
  /** Why the previous answer of this iteration was rejected (e.g. a near-duplicate), for the model to read. */
  retryNote?: string;
  /** The mutation operator chosen for this proposal (orchestrator/proposers/operators.ts); unset: the proposer's own. */
  operator?: 'diff' | 'rewrite' | 'crossover';
  /** Stochastic prompt variant (orchestrator/prompts/variants.ts), drawn per proposal; unset: the plain task. */
  variant?: number;
  /** Lessons summarised from earlier generations (meta-recommendations), shown with the task. */
  recommendations?: string[];
}

/** One plain text call outside a proposal (the meta-recommendations summary): its context and its answer. */
export interface SummaryRequest {
  /** What the call is for, in its stored record (default "meta"). */
  purpose?: 'meta' | 'novelty-judge';
  system: string;
  user: string;
  recordCall: ProposalContext['recordCall'];
  signal?: AbortSignal;
  notify?: (message: string) => void;
}

export type SummaryResult =
  | { ok: true; text: string; costUsd: number; callId: number }
  | { ok: false; reason: string; costUsd: number };

/** Why a proposal failed, for the loop's decision to stop (same error N times, a long outage). */
export interface ProposalFailure {
  /** "llm:bad-request:400", "llm:rate-limit:429", "edit", ...: equal keys mean the same error again. */
  key: string;
  /** The provider or the network failed, not the model's answer (kept out of later prompts). */
  infrastructure: boolean;
  /** A wait and a new attempt could succeed (429, 529, 5xx, connection). */
  retryable: boolean;
  /** What the user should change, when it will fail the same way until they do. */
  fix?: string;
}

/** What happened to the edit: one entry per SEARCH/REPLACE block, or one for a rewrite / knob change. */
export interface EditRecord {
  kind: 'diff' | 'rewrite' | 'knobs' | 'agent' | 'none';
  outcome: 'applied' | 'partly-applied' | 'failed';
  /** One-line account, also used as the attempt summary in later prompts. */
  summary: string;
  blocks?: {
    file: string;
    status: 'applied' | 'applied-fuzzy' | 'no-match' | 'outside-evolve-block' | 'ambiguous' | 'malformed';
    detail?: string;
  }[];
  /** Whether a failing block went back to the model (once). */
  retried?: boolean;
  /** 'provider': no answer to apply (the call failed); such attempts are not shown to the model later. */
  cause?: 'provider';
  knobs?: Record<string, string>;
  /** Set when the proposal was rejected before evaluation as a near-duplicate of a program of its island. */
  novelty?: {
    duplicateOf: string;
    similarity: number;
    /** Which check rejected it: comment-free token shingles, embedding cosine, or the LLM judge (after embeddings). */
    check?: 'tokens' | 'embedding' | 'judge';
    /** The judge's reason, when it decided. */
    reason?: string;
  };
  /** Set when the embeddings flagged the proposal as a near-duplicate and the LLM judge found it novel after all. */
  noveltyRescue?: { duplicateOf: string; similarity: number; reason: string };
  /** The mutation operator the proposal was made with, when operators are on. */
  operator?: 'diff' | 'rewrite' | 'crossover';
}

export type ProposalResult =
  | {
      ok: true;
      /** New content of the evolved files (all of them, or only the changed ones). */
      files: Record<string, string>;
      edit: EditRecord;
      proposer: string;
      model: string | null;
      costUsd: number;
      llmCallIds: number[];
      /** Things the run should hear about (e.g. the prompt was trimmed to the context window). */
      warnings?: string[];
    }
  | {
      ok: false;
      reason: string;
      edit: EditRecord;
      proposer: string;
      model: string | null;
      costUsd: number;
      llmCallIds: number[];
      warnings?: string[];
      /** True when the proposer cannot go on (e.g. budget exhausted, auth failure): the run should stop. */
      fatal?: boolean;
      failure?: ProposalFailure;
    };

export interface Proposer {
  readonly name: string;
  readonly model: string | null;
  propose(ctx: ProposalContext): Promise<ProposalResult>;
  /** Learns from an outcome (bandit ensembles). */
  observe?(outcome: {
    proposer: string;
    parentScore: number | null;
    childScore: number | null;
    /** The iteration the outcome belongs to (per-proposal learners match it to their choice). */
    iteration?: number;
  }): void;
  /** Serialisable state, persisted with the run so a resumed run continues exactly. */
  getState?(): unknown;
  setState?(state: unknown): void;
  /** Checks before a run starts (model names, credentials), so a bad setup fails in one line, not per iteration. */
  preflight?(): Promise<void>;
  /** The price table it bills with, recorded with the run (prices change; a resume reuses them). */
  readonly prices?: Record<string, unknown>;
  /** Models this proposer may call that have no known price (their spending would count as $0). */
  unpriced?(): string[];
  /** One plain text call to the proposer's model (meta-recommendations); absent for proposers without a model. */
  summarise?(request: SummaryRequest): Promise<SummaryResult>;
}
