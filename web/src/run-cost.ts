// A run's LLM cost by model and over time (the cost page). Reads the run's calls once; cached until the next commit.
import type Database from 'better-sqlite3';
import { NotFoundError } from '../../core/errors.js';
import { prepared } from '../../orchestrator/store/statements.js';
import { cachedRead } from './db-cache.js';
import { findRun, runSpend, type SpendRow } from './queries.js';

/** Time buckets on the over-time chart at most. */
export const COST_BUCKETS = 120;

export interface ModelCost {
  model: string;
  calls: number;
  errors: number;
  cost: number;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
}

export interface RunCost {
  runId: string;
  total: SpendRow;
  byModel: ModelCost[];
  /** Spend per time bucket: [bucket start (ISO), dollars in the bucket, cumulative dollars, calls]. */
  overTime: [string, number, number, number][];
  /** Seconds per bucket. */
  bucketSeconds: number;
}

export function buildRunCost(db: Database.Database, runId: string): RunCost {
  return cachedRead(db, `cost:${runId}`, () => {
    if (!findRun(db, runId)) throw new NotFoundError(`run "${runId}" not found (see /runs)`);
    const byModel = prepared(
      db,
      `SELECT COALESCE(model, '(unknown)') AS model, COUNT(*) AS calls, COALESCE(SUM(status <> 'ok'), 0) AS errors,
         COALESCE(SUM(cost_usd), 0) AS cost, COALESCE(SUM(input_tokens), 0) AS input_tokens,
         COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(latency_ms), 0) AS latency_ms
       FROM llm_calls WHERE run_id = ? GROUP BY 1 ORDER BY cost DESC`,
    ).all(runId) as ModelCost[];
    const span = prepared(
      db,
      `SELECT MIN(julianday(created_at)) AS lo, MAX(julianday(created_at)) AS hi FROM llm_calls WHERE run_id = ?`,
    ).get(runId) as { lo: number | null; hi: number | null };
    let overTime: RunCost['overTime'] = [];
    let bucketSeconds = 60;
    if (span.lo !== null && span.hi !== null) {
      const seconds = (span.hi - span.lo) * 86400;
      // Whole minutes, hours or days, whichever keeps to COST_BUCKETS buckets.
      bucketSeconds =
        [60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400].find((s) => seconds / s < COST_BUCKETS) ??
        30 * 86400;
      const rows = prepared(
        db,
        `SELECT CAST((julianday(created_at) - ?) * 86400 / ? AS INTEGER) AS b, COALESCE(SUM(cost_usd), 0) AS usd,
           COUNT(*) AS n
         FROM llm_calls WHERE run_id = ? GROUP BY b ORDER BY b`,
      ).all(span.lo, bucketSeconds, runId) as { b: number; usd: number; n: number }[];
      let cum = 0;
      const start = (span.lo - 2440587.5) * 86400_000; // julian day to Unix ms
      overTime = rows.map((r) => {
        cum += r.usd;
        return [new Date(start + r.b * bucketSeconds * 1000).toISOString(), r.usd, cum, r.n];
      });
    }
    return { runId, total: runSpend(db, runId), byModel, overTime, bucketSeconds };
  });
}
