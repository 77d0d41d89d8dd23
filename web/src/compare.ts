// The compare view's data: for runs of one problem, the verified best so far against iterations and against dollars.
import type Database from 'better-sqlite3';
import { NotFoundError } from '../../core/errors.js';
import { compareVerified, verifiedOfRun } from '../../orchestrator/store/verified-best.js';
import { cachedByVersion, cachedRead } from './db-cache.js';
import type { CompareParams } from './params.js';
import { findRun, problemNames, runMaxIteration, runSpend, verdictsVersion } from './queries.js';
import { prepared } from '../../orchestrator/store/statements.js';

/** Runs compared by default: the newest of the problem. */
export const COMPARE_DEFAULT = 8;

export interface CompareStep {
  candidateId: string;
  iteration: number;
  /** LLM dollars the run had spent when this candidate's proposal was made (its first call included). */
  usd: number;
  value: number;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface CompareRun {
  id: string;
  strategy: string;
  model: string | null;
  status: string;
  /** Each time the run's verified best improved, in iteration order (the last is its verified best). */
  steps: CompareStep[];
  /** Where the run is now: its last iteration and its spend, so a line continues flat to there. */
  maxIteration: number;
  spentUsd: number;
}

export interface Compare {
  problem: string;
  /** 'speedup' when any compared run has a measured speedup, else 'held-out' (held-out score). */
  axis: 'speedup' | 'held-out';
  runs: CompareRun[];
  /** Every run of the problem, newest first, for the chooser. */
  available: { id: string; strategy: string; model: string | null; status: string; created_at: string }[];
}

/**
 * Cumulative LLM spend of a run at each of these calls (by id): one ordered pass over the run's calls. A past
 * call's cumulative spend never changes (calls are appended), so callers keep the result.
 */
function spendAtCalls(db: Database.Database, runId: string, callIds: number[]): Map<number, number> {
  if (callIds.length === 0) return new Map();
  const rows = prepared(
    db,
    `SELECT id, cum FROM (SELECT id, SUM(cost_usd) OVER (ORDER BY id) AS cum FROM llm_calls WHERE run_id = ?)
     WHERE id IN (SELECT value FROM json_each(?))`,
  ).all(runId, JSON.stringify(callIds)) as { id: number; cum: number | null }[];
  return new Map(rows.map((r) => [r.id, r.cum ?? 0]));
}

/** The improvements of a run's verified best over iterations, with the dollars spent by then. */
function steps(db: Database.Database, runId: string, axis: Compare['axis']): CompareStep[] {
  return cachedByVersion(db, verdictsVersion(db), `compare:${runId}:${axis}`, () => {
    const byIteration = verifiedOfRun(db, runId)
      .filter((v) => v.iteration !== null && (axis === 'speedup' ? v.speedup : v.score) !== null)
      .sort((a, b) => a.iteration! - b.iteration! || a.id - b.id);
    const improving: typeof byIteration = [];
    for (const v of byIteration) {
      const last = improving.at(-1);
      if (!last || compareVerified(v, last) < 0) improving.push(v);
    }
    const callOf = new Map<string, number>();
    const call = prepared(db, 'SELECT MIN(id) FROM llm_calls WHERE candidate_id = ?').pluck();
    for (const v of improving) {
      const id = call.get(v.candidate_id) as number | null;
      if (id !== null) callOf.set(v.candidate_id, id);
    }
    const spent = spendAtCalls(db, runId, [...callOf.values()]);
    return improving.map((v) => {
      const c = callOf.get(v.candidate_id);
      return {
        candidateId: v.candidate_id,
        iteration: v.iteration!,
        // No LLM call (a tuner's or a seed's candidate): nothing spent on it.
        usd: c === undefined ? 0 : (spent.get(c) ?? 0),
        value: (axis === 'speedup' ? v.speedup : v.score)!,
        ciLow: axis === 'speedup' ? v.ci_low : null,
        ciHigh: axis === 'speedup' ? v.ci_high : null,
      };
    });
  });
}

export function buildCompare(db: Database.Database, problem: string, p: CompareParams): Compare {
  return cachedRead(db, `compare:${problem}:${(p.runs ?? []).join(',')}`, () => {
    if (!problemNames(db).includes(problem))
      throw new NotFoundError(`problem "${problem}" not found (see /problems)`);
    const available = prepared(
      db,
      `SELECT id, strategy, model, status, created_at FROM runs WHERE problem_name = ? ORDER BY created_at DESC`,
    ).all(problem) as Compare['available'];
    const ids = p.runs ?? available.slice(0, COMPARE_DEFAULT).map((r) => r.id);
    const runs = ids.map((id) => {
      const run = findRun(db, id);
      if (!run || run.problem_name !== problem)
        throw new NotFoundError(
          `run "${id}" is not a run of problem "${problem}" (see /problems/${problem})`,
        );
      return run;
    });
    const anySpeedup = runs.some((r) => steps(db, r.id, 'speedup').length > 0);
    const axis = anySpeedup ? 'speedup' : 'held-out';
    return {
      problem,
      axis,
      available,
      runs: runs.map((r) => ({
        id: r.id,
        strategy: r.strategy,
        model: r.model,
        status: r.status,
        steps: steps(db, r.id, axis),
        maxIteration: runMaxIteration(db, r.id) ?? 0,
        spentUsd: runSpend(db, r.id).cost,
      })),
    };
  });
}
