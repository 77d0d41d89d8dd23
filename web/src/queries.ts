// Read-only SQL of the web layer (SELECT only), over the store's database handle.
import type Database from 'better-sqlite3';
import type {
  CandidateRow,
  EvaluationRow,
  EventRow,
  LlmCallRow,
  RunRow,
  SampleRow,
  VerdictRow,
} from '../../orchestrator/store/types.js';

type Db = Database.Database;
import { verifiedBestOfRun } from '../../orchestrator/store/verified-best.js';

/** Prepared statements are cached per connection and SQL text. */
const cache = new WeakMap<Db, Map<string, Database.Statement>>();
function st(db: Db, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map<string, Database.Statement>()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

// --- leaderboard ---

export interface VerifiedRow {
  verdict_id: number;
  candidate_id: string;
  speedup: number | null;
  ci_low: number | null;
  ci_high: number | null;
  confidence: number | null;
  score: number | null;
  method: string;
  fingerprint_json: string;
  created_at: string;
  problem_name: string;
  run_id: string | null;
  model: string | null;
  proposer: string | null;
  strategy: string | null;
  sandbox: string | null;
  /** Who claims it (an imported verdict not yet verified here), or null for a verdict measured here. */
  claimed_by: string | null;
}

/** Which verdicts a leaderboard shows: measured here (the default), also unconfirmed claims, or claims only. */
export type ClaimsFilter = 'verified' | 'include' | 'only';

const LEADER_COLS = `v.id AS verdict_id, v.candidate_id, v.speedup, v.ci_low, v.ci_high, v.confidence, v.score,
      v.method, v.fingerprint_json, v.created_at, c.problem_name, c.run_id,
      COALESCE(c.model, r.model) AS model, COALESCE(c.proposer, r.proposer) AS proposer,
      r.strategy AS strategy, r.sandbox AS sandbox, v.claimed_by
    FROM verdicts v
    JOIN candidates c ON c.id = v.candidate_id
    LEFT JOIN runs r ON r.id = c.run_id`;

/**
 * The latest verified verdict of every candidate that has one, optionally for one problem. With claims,
 * also (or only) imported verdicts that claim VERIFIED for a candidate this machine has not measured yet.
 * `candidates`: only these candidates (the few a new verdict changed; web/src/verified-rows.ts).
 */
export function verifiedVerdicts(
  db: Db,
  problem?: string,
  claims: ClaimsFilter = 'verified',
  candidates?: readonly string[],
): VerifiedRow[] {
  const byProblem = problem === undefined ? '' : 'AND c.problem_name = ?';
  const byCandidate =
    candidates === undefined ? '' : 'AND v.candidate_id IN (SELECT value FROM json_each(?))';
  const here = `SELECT ${LEADER_COLS}
    WHERE v.verified = 1 ${byProblem} ${byCandidate}
      AND v.id = (SELECT MAX(v2.id) FROM verdicts v2 WHERE v2.candidate_id = v.candidate_id AND v2.verified = 1)`;
  const claimed = `SELECT ${LEADER_COLS}
    WHERE v.claimed_by IS NOT NULL AND v.claimed_verified = 1 ${byProblem} ${byCandidate}
      AND NOT EXISTS (SELECT 1 FROM verdicts v2 WHERE v2.candidate_id = v.candidate_id AND v2.claimed_by IS NULL)
      AND v.id = (SELECT MAX(v3.id) FROM verdicts v3 WHERE v3.candidate_id = v.candidate_id AND v3.claimed_by IS NOT NULL)`;
  const parts = claims === 'verified' ? [here] : claims === 'only' ? [claimed] : [here, claimed];
  const partArgs: unknown[] = [
    ...(problem === undefined ? [] : [problem]),
    ...(candidates === undefined ? [] : [JSON.stringify(candidates)]),
  ];
  return st(db, parts.join(' UNION ALL ')).all(...parts.flatMap(() => partArgs)) as VerifiedRow[];
}

/** The newest change of migration 0010's log of verified results (0 before any). */
export function verdictChangeSeq(db: Db): number {
  return st(db, 'SELECT COALESCE(MAX(seq), 0) FROM web_verdict_changes').pluck().get() as number;
}

/** The candidates changed after `seq` (null: anything may have), at most `limit` of them. */
export function verdictChangesSince(db: Db, seq: number, limit: number): (string | null)[] {
  return st(db, 'SELECT candidate_id FROM web_verdict_changes WHERE seq > ? ORDER BY seq LIMIT ?')
    .pluck()
    .all(seq, limit) as (string | null)[];
}

/** Sum of LLM cost per run, for the given runs. */
export function runCosts(db: Db, runIds: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const rows = st(
    db,
    'SELECT run_id, cost FROM web_run_spend WHERE run_id IN (SELECT value FROM json_each(?))',
  ).all(JSON.stringify([...new Set(runIds)])) as { run_id: string; cost: number }[];
  for (const r of rows) out.set(r.run_id, r.cost);
  return out;
}

/** Every distinct problem name known (from problems and candidates). */
export function problemNames(db: Db): string[] {
  const rows = st(
    db,
    'SELECT name FROM problems UNION SELECT DISTINCT problem_name FROM runs ORDER BY 1',
  ).all() as { name: string }[];
  return rows.map((r) => r.name);
}

// --- runs ---

export interface RunListRow extends RunRow {
  candidates: number;
  /** The best screen score (from the summary of migration 0006). */
  best_score: number | null;
  /** The verified best under the one rule (orchestrator/store/verified-best.ts). */
  verified: {
    candidateId: string;
    speedup: number | null;
    ciLow: number | null;
    ciHigh: number | null;
  } | null;
}

/** Runs newest first, one page of `limit` (page 1 first). */
export function listRuns(db: Db, limit: number, problem?: string, page = 1): RunListRow[] {
  const where = problem === undefined ? '' : 'WHERE r.problem_name = ?';
  const sql = `SELECT r.*, (SELECT COALESCE(SUM(g.n), 0) FROM web_run_groups g WHERE g.run_id = r.id) AS candidates,
      (SELECT MAX(g.best) FROM web_run_groups g WHERE g.run_id = r.id) AS best_score
    FROM runs r ${where} ORDER BY r.created_at DESC LIMIT ? OFFSET ?`;
  const offset = (page - 1) * limit;
  const rows = (
    problem === undefined ? st(db, sql).all(limit, offset) : st(db, sql).all(problem, limit, offset)
  ) as Omit<RunListRow, 'verified'>[];
  return rows.map((r) => {
    const v = verifiedBestOfRun(db, r.id);
    return {
      ...r,
      verified: v
        ? { candidateId: v.candidate_id, speedup: v.speedup, ciLow: v.ci_low, ciHigh: v.ci_high }
        : null,
    };
  });
}

export function countRuns(db: Db, problem?: string): number {
  return (
    problem === undefined
      ? st(db, 'SELECT COUNT(*) FROM runs').pluck().get()
      : st(db, 'SELECT COUNT(*) FROM runs WHERE problem_name = ?').pluck().get(problem)
  ) as number;
}

export function findRun(db: Db, id: string): RunRow | undefined {
  return st(db, 'SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
}

/** Candidates of a run grouped by status and island: counts and best score (one ordered index scan). */
export interface RunGroup {
  status: string;
  island: number | null;
  n: number;
  verified: number;
  correct: number;
  best: number | null;
}

/** From the writer-kept summary of migration 0006 (a handful of rows per run, whatever its size). */
export function runGroups(db: Db, runId: string): RunGroup[] {
  return st(
    db,
    'SELECT status, island, n, verified, correct, best FROM web_run_groups WHERE run_id = ? AND n > 0',
  ).all(runId) as RunGroup[];
}

/** The highest iteration of a run, from the same summary. */
/**
 * The occupied MAP-Elites cells of a run from its population rows (migration 0003), as the writer-kept table of
 * migration 0008 holds them: per island and cell, the program that holds it (the highest score; the first placed
 * on a tie, as ProgramDatabase.place keeps it). Migrants are placed by replay, not by rows, so a cell holds
 * programs born on that island.
 */
export function populationCells(db: Db, runId: string): PopulationCellRow[] {
  return st(
    db,
    `SELECT island, cell, candidate_id, score, features_json FROM web_run_cells WHERE run_id = ?
     ORDER BY island, cell`,
  ).all(runId) as PopulationCellRow[];
}

export interface PopulationCellRow {
  island: number;
  cell: string;
  candidate_id: string;
  score: number | null;
  features_json: string;
}

export function runMaxIteration(db: Db, runId: string): number | null {
  return st(db, 'SELECT MAX(max_iteration) FROM web_run_groups WHERE run_id = ?').pluck().get(runId) as
    number | null;
}

/** Candidates per run, from the same summary. */
export function runCandidateCount(db: Db, runId: string): number {
  return st(db, 'SELECT COALESCE(SUM(n), 0) FROM web_run_groups WHERE run_id = ?')
    .pluck()
    .get(runId) as number;
}

/** Iterations per row of web_run_buckets (fixed by migration 0006). */
export const SUMMARY_BLOCK = 64;

/**
 * The top-scoring candidate of each bucket of `bucket` iterations, as [iteration, score, id], in iteration
 * order. (SQLite returns the bare columns `iteration` and `id` from the row holding MAX(score).)
 */
export function scorePoints(db: Db, runId: string, bucket: number): [number, number, string][] {
  // Long runs: fold the writer-kept blocks of 64 iterations (migration 0006) into display buckets.
  if (bucket >= SUMMARY_BLOCK) {
    const per = Math.floor(bucket / SUMMARY_BLOCK);
    return st(
      db,
      `SELECT iteration, MAX(best), candidate_id FROM web_run_buckets WHERE run_id = ?
       GROUP BY bucket / CAST(? AS INTEGER) ORDER BY bucket`,
    )
      .raw()
      .all(runId, per) as [number, number, string][];
  }
  return st(
    db,
    `SELECT iteration, MAX(score), id FROM candidates INDEXED BY web_candidates_run_iteration_score
     WHERE run_id = ? AND iteration IS NOT NULL AND score IS NOT NULL
     GROUP BY iteration / CAST(? AS INTEGER) ORDER BY iteration`,
  )
    .raw()
    .all(runId, bucket) as [number, number, string][];
}

/** The screen scores of these candidates, as [iteration, score, id] (to mark verified ones in the cloud). */
export function verifiedScreenScores(db: Db, ids: string[]): [number, number, string][] {
  return st(
    db,
    `SELECT iteration, score, id FROM candidates WHERE id IN (SELECT value FROM json_each(?))
     AND iteration IS NOT NULL AND score IS NOT NULL ORDER BY iteration`,
  )
    .raw()
    .all(JSON.stringify(ids)) as [number, number, string][];
}

export interface SpendRow {
  calls: number;
  errors: number;
  cost: number;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** Share of input tokens (normal + cache reads + cache writes) read from the provider's prompt cache; null before any. */
  cache_share: number | null;
}

/** A run's LLM spend, from the writer-kept sums of migration 0008 (one row, whatever the run's size). */
export function runSpend(db: Db, runId: string): SpendRow {
  const row = st(
    db,
    `SELECT calls, errors, cost, input_tokens, output_tokens, latency_ms, cache_read_tokens, cache_write_tokens
     FROM web_run_spend WHERE run_id = ?`,
  ).get(runId) as Omit<SpendRow, 'cache_share'> | undefined;
  const r = row ?? {
    calls: 0,
    errors: 0,
    cost: 0,
    input_tokens: 0,
    output_tokens: 0,
    latency_ms: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
  };
  const input = r.input_tokens + r.cache_read_tokens + r.cache_write_tokens;
  return { ...r, cache_share: input > 0 ? r.cache_read_tokens / input : null };
}

/**
 * The change counter of migration 0008 that moves whenever verdicts (or what the leaderboard reads beside them)
 * change; what is computed from verdicts is kept until it moves.
 */
export function verdictsVersion(db: Db): number {
  return (
    (st(db, "SELECT n FROM web_versions WHERE topic = 'verdicts'").pluck().get() as number | undefined) ?? 0
  );
}

export interface LineageNode {
  id: string;
  parent_id: string | null;
  iteration: number | null;
  generation: number;
  island: number | null;
  score: number | null;
  status: string;
  correct: number | null;
  verified: number;
}

const NODE_COLS =
  'c.id, c.parent_id, c.iteration, c.generation, c.island, c.score, c.status, c.correct, c.verified';

/** All of a small run's candidates as lineage nodes. */
export function runNodes(db: Db, runId: string): LineageNode[] {
  return st(
    db,
    `SELECT ${NODE_COLS} FROM candidates c WHERE c.run_id = ? ORDER BY c.iteration, c.created_at`,
  ).all(runId) as LineageNode[];
}

/** For a large run: the top-scoring and the latest candidates plus up to `depth` generations of ancestors. */
export function runNodesSampled(
  db: Db,
  runId: string,
  top: number,
  latest: number,
  depth: number,
): LineageNode[] {
  const seeds = [
    ...(st(db, 'SELECT id FROM candidates WHERE run_id = ? AND score IS NOT NULL ORDER BY score DESC LIMIT ?')
      .pluck()
      .all(runId, top) as string[]),
    ...(st(db, 'SELECT id FROM candidates WHERE run_id = ? ORDER BY iteration DESC LIMIT ?')
      .pluck()
      .all(runId, latest) as string[]),
  ];
  return st(
    db,
    `WITH RECURSIVE anc(id, depth) AS (
       SELECT value, 0 FROM json_each(?)
       UNION
       SELECT c.parent_id, anc.depth + 1 FROM anc JOIN candidates c ON c.id = anc.id
       WHERE c.parent_id IS NOT NULL AND anc.depth < ?)
     SELECT ${NODE_COLS} FROM candidates c WHERE c.id IN (SELECT id FROM anc)
     ORDER BY c.iteration, c.created_at`,
  ).all(JSON.stringify(seeds), depth) as LineageNode[];
}

export function lastEventId(db: Db, runId: string): number {
  const row = st(db, 'SELECT MAX(id) AS id FROM events WHERE run_id = ?').get(runId) as { id: number | null };
  return row.id ?? 0;
}

export function latestEvent(db: Db, runId: string, type: string): EventRow | undefined {
  return st(db, 'SELECT * FROM events WHERE run_id = ? AND type = ? ORDER BY id DESC LIMIT 1').get(
    runId,
    type,
  ) as EventRow | undefined;
}

/** The newest `limit` events of a run, newest first. */
export function recentEvents(db: Db, runId: string, limit: number): EventRow[] {
  return st(db, 'SELECT * FROM events WHERE run_id = ? ORDER BY id DESC LIMIT ?').all(
    runId,
    limit,
  ) as EventRow[];
}

/** The latest verify:progress event, unless a candidate:verified event came after it (that pass is over). */
export function pendingVerifyProgress(db: Db, runId: string): EventRow | undefined {
  const p = latestEvent(db, runId, 'verify:progress');
  if (!p) return undefined;
  const done = latestEvent(db, runId, 'candidate:verified');
  return done && done.id > p.id ? undefined : p;
}

export function eventsSince(db: Db, runId: string, afterId: number, limit: number): EventRow[] {
  return st(db, 'SELECT * FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?').all(
    runId,
    afterId,
    limit,
  ) as EventRow[];
}

// --- candidates ---

export function findCandidate(db: Db, id: string): CandidateRow | undefined {
  return st(db, 'SELECT * FROM candidates WHERE id = ?').get(id) as CandidateRow | undefined;
}

/** The first ancestor without a parent (the seed a candidate descends from). */
export function rootAncestor(db: Db, id: string): CandidateRow | undefined {
  return st(
    db,
    `WITH RECURSIVE anc(id, parent_id, depth) AS (
       SELECT id, parent_id, 0 FROM candidates WHERE id = ?
       UNION ALL
       SELECT c.id, c.parent_id, anc.depth + 1 FROM anc JOIN candidates c ON c.id = anc.parent_id
       WHERE anc.depth < 10000)
     SELECT c.* FROM candidates c WHERE c.id = (SELECT id FROM anc WHERE parent_id IS NULL LIMIT 1)`,
  ).get(id) as CandidateRow | undefined;
}

export function childrenOf(
  db: Db,
  id: string,
  limit: number,
): Pick<CandidateRow, 'id' | 'score' | 'status' | 'correct' | 'verified'>[] {
  return st(
    db,
    'SELECT id, score, status, correct, verified FROM candidates WHERE parent_id = ? ORDER BY created_at LIMIT ?',
  ).all(id, limit) as Pick<CandidateRow, 'id' | 'score' | 'status' | 'correct' | 'verified'>[];
}

export function evaluationsOf(db: Db, candidateId: string): EvaluationRow[] {
  return st(db, 'SELECT * FROM evaluations WHERE candidate_id = ? ORDER BY id').all(
    candidateId,
  ) as EvaluationRow[];
}

export function samplesOfEvaluation(db: Db, evaluationId: number): SampleRow[] {
  return st(db, 'SELECT * FROM samples WHERE evaluation_id = ? ORDER BY seq').all(
    evaluationId,
  ) as SampleRow[];
}

export function latestVerdict(db: Db, candidateId: string): VerdictRow | undefined {
  return st(db, 'SELECT * FROM verdicts WHERE candidate_id = ? ORDER BY id DESC LIMIT 1').get(candidateId) as
    VerdictRow | undefined;
}

export function samplesOfVerdict(db: Db, verdictId: number): SampleRow[] {
  return st(db, 'SELECT * FROM samples WHERE verdict_id = ? ORDER BY seq').all(verdictId) as SampleRow[];
}

export function llmCallsOf(db: Db, candidateId: string): LlmCallRow[] {
  return st(db, 'SELECT * FROM llm_calls WHERE candidate_id = ? ORDER BY id').all(
    candidateId,
  ) as LlmCallRow[];
}

// --- problems ---

export interface ProblemRow {
  name: string;
  content_hash: string;
  dir: string;
  spec_json: string;
  created_at: string;
}

export function findProblem(db: Db, name: string): ProblemRow | undefined {
  return st(db, 'SELECT * FROM problems WHERE name = ? ORDER BY created_at DESC LIMIT 1').get(name) as
    ProblemRow | undefined;
}

export interface ProblemListRow {
  name: string;
  spec_json: string | null;
  runs: number;
}

export function listProblems(db: Db): ProblemListRow[] {
  return st(
    db,
    `SELECT n.name,
       (SELECT spec_json FROM problems p WHERE p.name = n.name ORDER BY created_at DESC LIMIT 1) AS spec_json,
       (SELECT COUNT(*) FROM runs r WHERE r.problem_name = n.name) AS runs
     FROM (SELECT name FROM problems UNION SELECT problem_name FROM runs) n ORDER BY n.name`,
  ).all() as ProblemListRow[];
}

/** The earliest parentless candidate of a problem: its seed program as stored. */
export function seedCandidate(db: Db, problem: string): CandidateRow | undefined {
  return st(
    db,
    `SELECT * FROM candidates WHERE problem_name = ? AND parent_id IS NULL
     ORDER BY generation, created_at LIMIT 1`,
  ).get(problem) as CandidateRow | undefined;
}

/** A candidate and its ancestors up to `cap` generations back, as lineage nodes (the path to a best). */
export function ancestorPath(db: Db, id: string, cap: number): LineageNode[] {
  return st(
    db,
    `WITH RECURSIVE anc(id, depth) AS (
       SELECT ?, 0
       UNION ALL
       SELECT c.parent_id, anc.depth + 1 FROM anc JOIN candidates c ON c.id = anc.id
       WHERE c.parent_id IS NOT NULL AND anc.depth < ?)
     SELECT ${NODE_COLS} FROM anc JOIN candidates c ON c.id = anc.id ORDER BY anc.depth DESC`,
  ).all(id, cap) as LineageNode[];
}
