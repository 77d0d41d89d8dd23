// The one rule for "verified best": the loop, the run page, the API and the CLI all pick it through here.
import type Database from 'better-sqlite3';
import { prepared } from './statements.js';
import type { VerdictRow } from './types.js';

/** What the rule looks at in a verified verdict. */
export interface VerifiedKey {
  speedup: number | null;
  score: number | null;
}

/**
 * Orders verified results best first: the higher speedup over the seed wins (a measured speedup beats none),
 * then the higher held-out score. Equal keys keep the earlier verdict (callers sort stably by verdict id).
 * Returns < 0 when `a` is better.
 */
export function compareVerified(a: VerifiedKey, b: VerifiedKey): number {
  const by = (x: number | null, y: number | null): number => {
    if (x === y) return 0;
    if (x === null || Number.isNaN(x)) return 1;
    if (y === null || Number.isNaN(y)) return -1;
    return y - x;
  };
  return by(a.speedup, b.speedup) || by(a.score, b.score);
}

/** The same order in SQL (for a verdicts table aliased `v`), the verdict id last so ties keep the earlier. */
export const VERIFIED_ORDER_SQL =
  'v.speedup IS NULL, v.speedup DESC, v.score IS NULL, v.score DESC, v.id ASC';

export type VerifiedOfRun = VerdictRow & { iteration: number | null };

/**
 * Every verified candidate of a run, with its latest verified verdict, best first by `compareVerified`.
 * The scan starts from the run's verified candidates (a partial index of migration 0006), never the others.
 * `candidates`: only these (the few a new verdict changed; web/src/verified-rows.ts).
 */
export function verifiedOfRun(
  db: Database.Database,
  runId: string,
  limit = -1,
  candidates?: readonly string[],
): VerifiedOfRun[] {
  const among = candidates === undefined ? '' : 'AND c.id IN (SELECT value FROM json_each(?))';
  const stmt = prepared(
    db,
    `SELECT v.*, c.iteration FROM candidates c CROSS JOIN verdicts v ON v.candidate_id = c.id
       WHERE c.run_id = ? AND c.verified = 1 AND v.verified = 1 ${among}
         AND v.id = (SELECT MAX(v2.id) FROM verdicts v2 WHERE v2.candidate_id = v.candidate_id AND v2.verified = 1)
       ORDER BY ${VERIFIED_ORDER_SQL} LIMIT ?`,
  );
  return (
    candidates === undefined ? stmt.all(runId, limit) : stmt.all(runId, JSON.stringify(candidates), limit)
  ) as VerifiedOfRun[];
}

/** The run's verified best under the rule, or undefined when nothing of it is verified. */
export function verifiedBestOfRun(db: Database.Database, runId: string): VerifiedOfRun | undefined {
  return verifiedOfRun(db, runId, 1)[0];
}
