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
  // One indexed column, so a page of a 300k-candidate run is an index walk, not a sort of the run; SQLite's
  // index order (the column, then the row) is stable, so pages never overlap. Nulls (unscored) sort lowest.
  const order = `${ORDER[p.sort]} ${dir}`;
  const verdict = (col: string): string =>
    `(SELECT v.${col} FROM verdicts v WHERE v.candidate_id = c.id AND v.verified = 1 ORDER BY v.id DESC LIMIT 1)`;
  const rows = db
    .prepare(
      `SELECT c.id, c.iteration, c.island, c.generation, c.status, c.correct, c.verified, c.score, c.proposer,
         c.model, CASE WHEN json_valid(c.edit_json) THEN json_extract(c.edit_json, '$.summary') END AS edit_summary,
         ${verdict('speedup')} AS speedup, ${verdict('ci_low')} AS ci_low, ${verdict('ci_high')} AS ci_high
       FROM candidates c WHERE c.run_id = ? ORDER BY ${order} LIMIT ? OFFSET ?`,
    )
    .all(runId, p.per, (p.page - 1) * p.per) as RunCandidateRow[];
  const total = runCandidateCount(db, runId);
  return { rows, total };
}
