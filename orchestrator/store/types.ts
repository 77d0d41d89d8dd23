// Row shapes of the store (snake_case, as SQLite returns them) and the inputs of its insert methods.
import type { Stage } from '../../evaluators/result.js';
import type { Verdict } from '../../evaluators/verify-types.js';

export interface RunRow {
  id: string;
  problem_name: string;
  problem_hash: string;
  status: 'running' | 'stopped' | 'finished' | 'failed';
  strategy: string;
  proposer: string | null;
  model: string | null;
  sandbox: string;
  config_json: string;
  state_json: string | null;
  iterations_done: number;
  spent_usd: number;
  best_candidate_id: string | null;
  best_verified_candidate_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface NewRun {
  id?: string;
  problemName: string;
  problemHash: string;
  strategy: string;
  proposer?: string;
  model?: string;
  sandbox: string;
  config: unknown;
  state?: unknown;
}

export interface CandidateRow {
  id: string;
  run_id: string | null;
  problem_name: string;
  problem_hash: string;
  parent_id: string | null;
  island: number | null;
  generation: number;
  iteration: number | null;
  files_json: string;
  patch: string;
  proposer: string | null;
  model: string | null;
  edit_json: string | null;
  status: string;
  score: number | null;
  correct: number | null;
  verified: number;
  created_at: string;
}

export interface NewCandidate {
  id?: string;
  runId?: string | null;
  problemName: string;
  problemHash: string;
  parentId?: string | null;
  island?: number | null;
  generation?: number;
  iteration?: number | null;
  files: Record<string, string>;
  patch?: string;
  proposer?: string | null;
  model?: string | null;
  edit?: unknown;
  status?: string;
}

export interface EvaluationRow {
  id: number;
  candidate_id: string;
  stage: Stage;
  status: string;
  correct: number | null;
  score: number | null;
  metrics_json: string;
  checks_json: string;
  feedback: string;
  artifacts_json: string;
  reason: string | null;
  stderr_tail: string;
  stdout_tail: string;
  duration_ms: number;
  sandbox: string;
  seed: number | null;
  fingerprint_json: string | null;
  created_at: string;
}

export interface NewEvaluation {
  candidateId: string;
  stage: Stage;
  status: string;
  correct?: boolean | null;
  score?: number | null;
  metrics?: Record<string, number>;
  checks?: unknown[];
  feedback?: string;
  artifacts?: Record<string, string>;
  reason?: string | null;
  stderrTail?: string;
  stdoutTail?: string;
  durationMs: number;
  sandbox: string;
  seed?: number | null;
  fingerprint?: unknown;
  /** Raw timing samples by key, stored one row each. */
  timings?: Record<string, number[]>;
}

export interface SampleRow {
  id: number;
  evaluation_id: number | null;
  verdict_id: number | null;
  arm: 'candidate' | 'baseline';
  key: string;
  seq: number;
  value: number;
}

export interface VerdictRow {
  id: number;
  candidate_id: string;
  baseline_candidate_id: string | null;
  verified: number;
  correct: number;
  speedup: number | null;
  ci_low: number | null;
  ci_high: number | null;
  confidence: number | null;
  min_effect: number | null;
  n_candidate: number | null;
  n_baseline: number | null;
  method: string;
  score: number | null;
  metrics_json: string;
  reason: string;
  fingerprint_json: string;
  created_at: string;
}

/** What insertVerdict takes: exactly the verifier's verdict (evaluators/verify-types.ts), samples included. */
export type NewVerdict = Verdict;

export interface LlmCallRow {
  id: number;
  run_id: string | null;
  candidate_id: string | null;
  provider: string;
  model: string;
  status: string;
  error: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  latency_ms: number;
  attempts: number;
  prompt_json: string;
  response_text: string;
  created_at: string;
}

export interface NewLlmCall {
  runId?: string | null;
  candidateId?: string | null;
  provider: string;
  model: string;
  status: 'ok' | 'error';
  error?: string | null;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  costUsd?: number;
  latencyMs?: number;
  attempts?: number;
  prompt: unknown;
  responseText?: string;
}

export interface EventRow {
  id: number;
  run_id: string | null;
  type: string;
  payload_json: string;
  created_at: string;
}
