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

/** Prepared statements are cached per connection and SQL text. */
const cache = new WeakMap<Db, Map<string, Database.Statement>>();
function st(db: Db, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
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
  sandbox: string | null;
  /** Who claims it (an imported verdict not yet verified here), or null for a verdict measured here. */
  claimed_by: string | null;
}

/** Which verdicts a leaderboard shows: measured here (the default), also unconfirmed claims, or claims only. */
export type ClaimsFilter = 'verified' | 'include' | 'only';

const LEADER_COLS = `v.id AS verdict_id, v.candidate_id, v.speedup, v.ci_low, v.ci_high, v.confidence, v.score,
      v.method, v.fingerprint_json, v.created_at, c.problem_name, c.run_id,
      COALESCE(c.model, r.model) AS model, COALESCE(c.proposer, r.proposer) AS proposer,
      r.sandbox AS sandbox, v.claimed_by
    FROM verdicts v
    JOIN candidates c ON c.id = v.candidate_id
    LEFT JOIN runs r ON r.id = c.run_id`;

/**
 * The latest verified verdict of every candidate that has one, optionally for one problem. With claims,
 * also (or only) imported verdicts that claim VERIFIED for a candidate this machine has not measured yet.
 */
export function verifiedVerdicts(db: Db, problem?: string, claims: ClaimsFilter = 'verified'): VerifiedRow[] {
  const byProblem = problem === undefined ? '' : 'AND c.problem_name = ?';
  const here = `SELECT ${LEADER_COLS}
    WHERE v.verified = 1 ${byProblem}
      AND v.id = (SELECT MAX(v2.id) FROM verdicts v2 WHERE v2.candidate_id = v.candidate_id AND v2.verified = 1)`;
  const claimed = `SELECT ${LEADER_COLS}
    WHERE v.claimed_by IS NOT NULL AND v.claimed_verified = 1 ${byProblem}
      AND NOT EXISTS (SELECT 1 FROM verdicts v2 WHERE v2.candidate_id = v.candidate_id AND v2.claimed_by IS NULL)
      AND v.id = (SELECT MAX(v3.id) FROM verdicts v3 WHERE v3.candidate_id = v.candidate_id AND v3.claimed_by IS NOT NULL)`;
  const parts = claims === 'verified' ? [here] : claims === 'only' ? [claimed] : [here, claimed];
  const args = problem === undefined ? [] : parts.map(() => problem);
  return st(db, parts.join(' UNION ALL ')).all(...args) as VerifiedRow[];
}

/** Sum of LLM cost per run, for the given runs. */
export function runCosts(db: Db, runIds: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of new Set(runIds)) out.set(id, runSpend(db, id).cost);
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
}

export function listRuns(db: Db, limit: number, problem?: string): RunListRow[] {
  const where = problem === undefined ? '' : 'WHERE r.problem_name = ?';
  const sql = `SELECT r.*, (SELECT COUNT(*) FROM candidates c WHERE c.run_id = r.id) AS candidates
    FROM runs r ${where} ORDER BY r.created_at DESC LIMIT ?`;
  return (problem === undefined ? st(db, sql).all(limit) : st(db, sql).all(problem, limit)) as RunListRow[];
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

export function runGroups(db: Db, runId: string): RunGroup[] {
  return st(
    db,
    `SELECT status, island, COUNT(*) AS n, SUM(verified) AS verified, SUM(correct = 1) AS correct,
       MAX(score) AS best
     FROM candidates WHERE run_id = ? GROUP BY status, island`,
  ).all(runId) as RunGroup[];
}

/** The highest iteration of a run (two index lookups). */
export function runMaxIteration(db: Db, runId: string): number | null {
  return st(db, 'SELECT MAX(iteration) FROM candidates WHERE run_id = ?').pluck().get(runId) as number | null;
}

/**
 * The top-scoring candidate of each bucket of `bucket` iterations, as [iteration, score], in iteration order.
 * (SQLite returns the bare column `iteration` from the row holding MAX(score).)
 */
export function scorePoints(db: Db, runId: string, bucket: number): [number, number][] {
  return st(
    db,
    `SELECT iteration, MAX(score) FROM candidates
     WHERE run_id = ? AND iteration IS NOT NULL AND score IS NOT NULL
     GROUP BY iteration / CAST(? AS INTEGER) ORDER BY iteration`,
  )
    .raw()
    .all(runId, bucket) as [number, number][];
}

/** Verified verdict scores of a run's candidates by the candidate's iteration. */
export function verifiedPoints(
  db: Db,
  runId: string,
): { iteration: number; score: number | null; speedup: number | null; candidate_id: string }[] {
  return st(
    db,
    `SELECT c.iteration, COALESCE(v.score, c.score) AS score, v.speedup, c.id AS candidate_id FROM candidates c
     JOIN verdicts v ON v.candidate_id = c.id AND v.verified = 1
     WHERE c.run_id = ? AND c.iteration IS NOT NULL ORDER BY c.iteration, v.id`,
  ).all(runId) as { iteration: number; score: number | null; speedup: number | null; candidate_id: string }[];
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

/**
 * LLM calls are appended, never changed in cost or tokens, so a run's sums stay valid while its newest call
 * id stays the same (an O(log n) lookup on llm_calls_run); they are recomputed when a call lands.
 */
const spendMemo = new WeakMap<Db, Map<string, { lastId: number; value: SpendRow }>>();

export function runSpend(db: Db, runId: string): SpendRow {
  const lastId =
    (st(db, 'SELECT MAX(id) FROM llm_calls WHERE run_id = ?').pluck().get(runId) as number | null) ?? 0;
  let memo = spendMemo.get(db);
  if (!memo) spendMemo.set(db, (memo = new Map()));
  const hit = memo.get(runId);
  if (hit && hit.lastId === lastId) return hit.value;
  const value = runSpendNow(db, runId);
  memo.set(runId, { lastId, value });
  return value;
}

function runSpendNow(db: Db, runId: string): SpendRow {
  const row = st(
    db,
    `SELECT COUNT(*) AS calls, COALESCE(SUM(status <> 'ok'), 0) AS errors, COALESCE(SUM(cost_usd), 0) AS cost,
       COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
       COALESCE(SUM(latency_ms), 0) AS latency_ms, COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens,
       COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens
     FROM llm_calls WHERE run_id = ?`,
  ).get(runId) as Omit<SpendRow, 'cache_share'>;
  const input = row.input_tokens + row.cache_read_tokens + row.cache_write_tokens;
  return { ...row, cache_share: input > 0 ? row.cache_read_tokens / input : null };
}

export interface LineageNode {
  id: string;
  parent_id: string | null;
  iteration: number | null;
  generation: number;
  island: number | null;
  score: number | null;
  status: string;
  verified: number;
}

const NODE_COLS = 'c.id, c.parent_id, c.iteration, c.generation, c.island, c.score, c.status, c.verified';

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
): Pick<CandidateRow, 'id' | 'score' | 'status'>[] {
  return st(
    db,
    'SELECT id, score, status FROM candidates WHERE parent_id = ? ORDER BY created_at LIMIT ?',
  ).all(id, limit) as Pick<CandidateRow, 'id' | 'score' | 'status'>[];
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
