// The leaderboard: verified results only, grouped by problem, filtered and sorted.
import type Database from 'better-sqlite3';
import { cachedByVersion, cachedRead } from './db-cache.js';
import type { LeaderboardParams } from './params.js';
import { parseJson } from './parse-json.js';
import { compareVerified } from '../../orchestrator/store/verified-best.js';
import { findProblem, runCosts, verdictsVersion, verifiedVerdicts, type VerifiedRow } from './queries.js';
import { keptVerified } from './verified-rows.js';
import { hardwareLabel, sandboxLabel } from './views/fingerprint.js';
import { objectivesOf } from './pareto.js';

export interface LeaderboardEntry {
  rank: number;
  /** The interval overlaps that of the entry above: not distinguishable from it at this confidence. */
  tie: boolean;
  problem: string;
  candidateId: string;
  runId: string | null;
  verdictId: number;
  speedup: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  confidence: number | null;
  score: number | null;
  method: string;
  model: string | null;
  proposer: string | null;
  strategy: string | null;
  sandbox: string;
  hardware: string;
  costUsd: number | null;
  date: string;
  /** The claimant of an imported verdict not verified here (only with ?claims=include|only), else null. */
  claimedBy: string | null;
}

export interface Leaderboard {
  /** `primary`: the problem's primary metric, the unit of the (held-out) score column. */
  problems: {
    name: string;
    primary: string | null;
    /** A multi-objective problem's objective names (empty for single-score problems). */
    objectives: string[];
    entries: LeaderboardEntry[];
    total: number;
  }[];
  /** Values present in the verified results, for the filter menus. */
  facets: {
    problem: string[];
    model: string[];
    proposer: string[];
    strategy: string[];
    sandbox: string[];
    hardware: string[];
  };
}

type Row = Omit<LeaderboardEntry, 'rank' | 'tie'>;

/** Sandbox and hardware labels per fingerprint text (a handful of distinct machines, thousands of verdicts). */
const memo = new Map<string, { sandbox: string | null; hardware: string }>();
const MEMO_MAX = 10_000;
function labels(json: string) {
  let l = memo.get(json);
  if (!l) {
    const fp = parseJson(json);
    if (memo.size >= MEMO_MAX) memo.clear(); // distinct fingerprints are few; never let odd ones pile up
    memo.set(json, (l = { sandbox: sandboxLabel(fp) ?? null, hardware: hardwareLabel(fp) }));
  }
  return l;
}

function toRow(v: VerifiedRow): Row {
  const fp = labels(v.fingerprint_json);
  return {
    problem: v.problem_name,
    candidateId: v.candidate_id,
    runId: v.run_id,
    verdictId: v.verdict_id,
    speedup: v.speedup,
    ciLow: v.ci_low,
    ciHigh: v.ci_high,
    confidence: v.confidence,
    score: v.score,
    method: v.method,
    model: v.model,
    proposer: v.proposer,
    strategy: v.strategy,
    sandbox: v.sandbox ?? fp.sandbox ?? 'unknown',
    hardware: fp.hardware,
    costUsd: null,
    date: v.created_at,
    claimedBy: v.claimed_by ?? null,
  };
}

/** Compares with nulls last whatever the order. */
function compareNullable(a: number | string | null, b: number | string | null, dir: number): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return (a < b ? -1 : 1) * dir;
}

const KEY: Record<LeaderboardParams['sort'], (r: Row) => number | string | null> = {
  speedup: (r) => r.speedup,
  score: (r) => r.score,
  ci: (r) => r.ciLow,
  cost: (r) => r.costUsd, // sorted per request in computeLeaderboard (costs move with every LLM call)
  date: (r) => r.date,
};

/** Best first by the one rule (orchestrator/store/verified-best.ts), then the earlier verdict. */
const better = (a: Row, b: Row): number => compareVerified(a, b) || a.verdictId - b.verdictId;

const uniq = (xs: (string | null)[]): string[] =>
  [...new Set(xs.filter((x): x is string => x !== null))].sort((a, b) => a.localeCompare(b));

/** The leaderboard for these parameters; cached until the database changes. */
export function buildLeaderboard(db: Database.Database, p: LeaderboardParams): Leaderboard {
  return cachedRead(db, `leaderboard:${JSON.stringify(p)}`, () => computeLeaderboard(db, p));
}

/**
 * Every verified result as a row, with the filter menus' values: kept until the verdicts change (migration
 * 0008's counter), so the commits of a live run (candidates, events, LLM calls) do not recompute it. When they
 * change, only the changed candidates' rows are read again (migration 0010's log, web/src/verified-rows.ts).
 */
function verifiedRows(db: Database.Database, claims: LeaderboardParams['claims']) {
  return cachedByVersion(db, verdictsVersion(db), `leaderboard-rows:${claims}`, () => {
    const all = keptVerified(db, `leaderboard:${claims}`, {
      all: () => verifiedVerdicts(db, undefined, claims).map(toRow),
      some: (ids) => verifiedVerdicts(db, undefined, claims, ids).map(toRow),
      candidateOf: (r) => r.candidateId,
    });
    // One pass, no intermediate arrays: this runs again after every new verdict, over every verified result.
    const sets = {
      problem: new Set<string>(),
      model: new Set<string>(),
      proposer: new Set<string>(),
      strategy: new Set<string>(),
      sandbox: new Set<string>(),
      hardware: new Set<string>(),
    };
    for (const r of all) {
      sets.problem.add(r.problem);
      if (r.model !== null) sets.model.add(r.model);
      if (r.proposer !== null) sets.proposer.add(r.proposer);
      if (r.strategy !== null) sets.strategy.add(r.strategy);
      sets.sandbox.add(r.sandbox);
      sets.hardware.add(r.hardware);
    }
    const facets = {
      problem: uniq([...sets.problem]),
      model: uniq([...sets.model]),
      proposer: uniq([...sets.proposer]),
      strategy: uniq([...sets.strategy]),
      sandbox: uniq([...sets.sandbox]),
      hardware: uniq([...sets.hardware]),
    };
    const rows: readonly Row[] = all;
    return { all: rows, facets };
  });
}

function computeLeaderboard(db: Database.Database, p: LeaderboardParams): Leaderboard {
  // Filtered, one per run, and sorted (unless by cost, which moves with every LLM call): kept with the rows.
  const { limit: _limit, ...rest } = p;
  const base = cachedByVersion(db, verdictsVersion(db), `leaderboard-base:${JSON.stringify(rest)}`, () =>
    selectRows(db, p),
  );
  const { facets } = verifiedRows(db, p.claims);
  const costs = runCosts(db, base.runIds);
  const costOf = (r: Row): number | null => (r.runId === null ? null : (costs.get(r.runId) ?? 0));
  const rows = [...base.rows];
  if (p.sort === 'cost') {
    const dir = p.order === 'asc' ? 1 : -1;
    rows.sort((a, b) => compareNullable(costOf(a), costOf(b), dir) || better(a, b));
  }
  const byProblem = new Map<string, Row[]>();
  for (const r of rows) {
    const list = byProblem.get(r.problem) ?? [];
    list.push(r);
    byProblem.set(r.problem, list);
  }
  const problems = [...byProblem.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => ({
      name,
      primary: primaryOf(db, name),
      objectives: objectivesOf(findProblem(db, name)?.spec_json),
      total: list.length,
      // Copies: the kept rows are shared between requests, the cost is this request's.
      entries: ranked(list.slice(0, p.limit).map((r) => ({ ...r, costUsd: costOf(r) }))),
    }));
  return { problems, facets };
}

/** The rows these parameters select, one per run when asked, sorted unless by cost; and the runs they name. */
function selectRows(db: Database.Database, p: LeaderboardParams): { rows: readonly Row[]; runIds: string[] } {
  const { all } = verifiedRows(db, p.claims);
  let rows: Row[] = all.filter(
    (r) =>
      (p.problem === undefined || r.problem === p.problem) &&
      (p.model === undefined || r.model === p.model) &&
      (p.proposer === undefined || r.proposer === p.proposer) &&
      (p.strategy === undefined || r.strategy === p.strategy) &&
      (p.sandbox === undefined || r.sandbox === p.sandbox) &&
      (p.hardware === undefined || r.hardware === p.hardware),
  );
  if (p.per === 'run') {
    const best = new Map<string, Row>();
    for (const r of rows) {
      const key = `${r.problem}\u0000${r.runId ?? r.candidateId}`;
      const cur = best.get(key);
      if (!cur || better(r, cur) < 0) best.set(key, r);
    }
    rows = [...best.values()];
  }
  if (p.sort !== 'cost') {
    const dir = p.order === 'asc' ? 1 : -1;
    const key = KEY[p.sort];
    rows.sort((a, b) => compareNullable(key(a), key(b), dir) || better(a, b));
  }
  return { rows, runIds: [...new Set(rows.map((r) => r.runId).filter((x): x is string => x !== null))] };
}

/** Two intervals overlap (both present): neither result is shown to be faster than the other. */
const overlaps = (a: Row, b: Row): boolean =>
  a.ciLow !== null && a.ciHigh !== null && b.ciLow !== null && b.ciHigh !== null
    ? a.ciLow <= b.ciHigh && b.ciLow <= a.ciHigh
    : false;

/** Ranks in display order; an entry whose interval overlaps the one above is a tie and shares its rank. */
function ranked(list: Row[]): LeaderboardEntry[] {
  const out: LeaderboardEntry[] = [];
  list.forEach((r, i) => {
    const above = out[i - 1];
    const tie = above !== undefined && overlaps(r, above);
    out.push({ ...r, rank: tie ? above.rank : i + 1, tie });
  });
  return out;
}

/** The problem's primary metric name (the score column's unit), from its stored spec. */
function primaryOf(db: Database.Database, name: string): string | null {
  const spec = parseJson(findProblem(db, name)?.spec_json ?? 'null') as { primary?: unknown } | null;
  return typeof spec?.primary === 'string' ? spec.primary : null;
}
