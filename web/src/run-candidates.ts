// A run's candidates one page at a time (never the whole run): sorted by an indexed column, with each one's
// latest verified speedup and edit summary looked up for the page's rows only.
import type Database from 'better-sqlite3';
import type { RunCandidatesParams } from './params.js';
import { runCandidateCount } from './queries.js';

export interface RunCandidateRow {
  id: string;
  iteration: number | null;
  island: number | null;
  generation: number;
  status: string;
  correct: number | null;
  verified: number;
  score: number | null;
  proposer: string | null;
  model: string | null;
  edit_summary: string | null;
  speedup: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

const ORDER: Record<RunCandidatesParams['sort'], string> = {
  iteration: 'c.iteration',
  score: 'c.score',
  island: 'c.island',
  status: 'c.status',
};

export function runCandidatesPage(
  db: Database.Database,
  runId: string,
  p: RunCandidatesParams,
): { rows: RunCandidateRow[]; total: number } {
  const dir = p.order === 'asc' ? 'ASC' : 'DESC';
  // Nulls last either way; the iteration then the id break ties so pages never overlap.
  const order = `${ORDER[p.sort]} IS NULL, ${ORDER[p.sort]} ${dir}, c.iteration ${dir}, c.id`;
  const rows = db
    .prepare(
      `WITH page AS (
         SELECT c.id, c.iteration, c.island, c.generation, c.status, c.correct, c.verified, c.score, c.proposer,
           c.model, c.edit_json FROM candidates c WHERE c.run_id = ? ORDER BY ${order} LIMIT ? OFFSET ?)
       SELECT c.id, c.iteration, c.island, c.generation, c.status, c.correct, c.verified, c.score, c.proposer,
         c.model, CASE WHEN json_valid(c.edit_json) THEN json_extract(c.edit_json, '$.summary') END AS edit_summary,
         v.speedup, v.ci_low, v.ci_high
       FROM page c LEFT JOIN verdicts v ON v.id =
         (SELECT MAX(v2.id) FROM verdicts v2 WHERE v2.candidate_id = c.id AND v2.verified = 1)
       ORDER BY ${order}`,
    )
    .all(runId, p.per, (p.page - 1) * p.per) as RunCandidateRow[];
  const total = runCandidateCount(db, runId);
  return { rows, total };
}
