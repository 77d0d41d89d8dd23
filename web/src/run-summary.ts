// Everything the run page shows, from the store: scores over iterations, occupancy, lineage, spend, throughput.
import type Database from 'better-sqlite3';
import { NotFoundError } from '../../core/errors.js';
import type { EventRow, RunRow } from '../../orchestrator/store/types.js';
import { runCandidatesPage, type RunCandidateRow } from './run-candidates.js';
import { runParetoFront, type RunPareto } from '../../orchestrator/store/pareto-front.js';
import {
  compareVerified,
  verifiedOfRun,
  type VerifiedOfRun,
} from '../../orchestrator/store/verified-best.js';
import { parseJson } from './parse-json.js';
import { cachedByVersion, cachedRead } from './db-cache.js';
import { keptVerified } from './verified-rows.js';
import {
  ancestorPath,
  findRun,
  lastEventId,
  latestEvent,
  pendingVerifyProgress,
  populationCells,
  recentEvents,
  runGroups,
  runMaxIteration,
  runNodes,
  runNodesSampled,
  runSpend,
  scorePoints,
  SUMMARY_BLOCK,
  verdictsVersion,
  verifiedScreenScores,
  type LineageNode,
  type PopulationCellRow,
  type SpendRow,
} from './queries.js';

/** Runs with more candidates than this show a sampled lineage (top and latest plus ancestors). */
export const LINEAGE_FULL_MAX = 400;
const CHART_POINTS = 400;
/** Generations of the path to the best shown (the rest is cut, marked). */
export const PATH_MAX = 200;

export interface StatusCount {
  status: string;
  n: number;
  verified: number;
  correct: number;
}

export interface IslandCount {
  island: number | null;
  n: number;
  best: number | null;
}

export interface RunSummary {
  run: Omit<RunRow, 'config_json' | 'state_json'>;
  config: unknown;
  /** run.state_json parsed; its shape belongs to the population code, so it is shown as found. */
  state: unknown;
  counts: { candidates: number; byStatus: StatusCount[]; verified: number; correct: number };
  islands: IslandCount[];
  /** Occupied MAP-Elites cells from the population rows (runs since migration 0003 keep no population in state). */
  cells: PopulationCellRow[];
  /** The Pareto front of a multi-objective problem's run (null for a single score). */
  pareto: RunPareto | null;
  /** The run's verified best under the one rule (orchestrator/store/verified-best.ts); null when none. */
  verifiedBest: VerifiedPoint | null;
  series: {
    /** [iteration, best screen score so far] at each improvement (of the bucket maxima, see `bucket`). */
    best: [number, number][];
    /**
     * Verified candidates (their latest verified verdicts) in iteration order: held-out measures only. All of
     * them up to 200; above, the best of each iteration bucket (and always the verified best).
     */
    verified: VerifiedPoint[];
    /** How many candidates of the run are verified (`verified` may show fewer). */
    verifiedTotal: number;
    /** Screen scores of the verified candidates, [iteration, score, candidate id], to mark them in the cloud. */
    verifiedScreen: [number, number, string][];
    /** [iteration, top screen score in the iteration bucket, its candidate]: the cloud behind the curve. */
    points: [number, number, string][];
    maxIteration: number | null;
    /** Iterations per point; above 1 (long runs) the best curve steps at bucket resolution. */
    bucket: number;
  };
  spend: SpendRow & { runSpentUsd: number };
  throughput: { evaluated: number; minutes: number; perMinute: number | null; reported: unknown };
  lineage: {
    nodes: LineageNode[];
    sampled: boolean;
    total: number;
    /** Ids from the shown root to the best (the verified best, else the best screen score), highlighted. */
    path: string[];
    /** The candidate at the end of `path`, or null before any. */
    pathTo: string | null;
    /** The path was cut at PATH_MAX generations back. */
    pathCut: boolean;
  };
  lastEventId: number;
  /** The latest verify:progress event while a verification is under way (none once its verdict landed). */
  verifyProgress: EventRow | undefined;
  /** The newest events of the run, newest first, of any type. */
  recentEvents: EventRow[];
  /** The best candidates by screen score (the full table is paginated: run-candidates.ts). */
  topCandidates: RunCandidateRow[];
}

export interface VerifiedPoint {
  candidateId: string;
  iteration: number | null;
  speedup: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  confidence: number | null;
  /** The primary score on the held-out inputs (not comparable with screen scores). */
  heldOutScore: number | null;
  method: string;
}

const point = (v: VerifiedOfRun): VerifiedPoint => ({
  candidateId: v.candidate_id,
  iteration: v.iteration,
  speedup: v.speedup,
  ciLow: v.ci_low,
  ciHigh: v.ci_high,
  confidence: v.confidence,
  heldOutScore: v.score,
  method: v.method,
});

/** Verified points drawn at most (each carries its interval, so fewer than the cloud's). */
const VERIFIED_POINTS = 200;

/** At most about VERIFIED_POINTS verified points: the best of each bucket of iterations, and the verified best. */
function thinVerified(all: VerifiedPoint[], maxIteration: number | null): VerifiedPoint[] {
  if (all.length <= VERIFIED_POINTS) return all;
  const width = Math.max(1, Math.ceil(((maxIteration ?? 0) + 1) / VERIFIED_POINTS));
  const best = new Map<number, VerifiedPoint>();
  for (const p of all) {
    const k = p.iteration === null ? -1 : Math.floor(p.iteration / width);
    const cur = best.get(k);
    if (!cur || compareVerified(vkey(p), vkey(cur)) < 0) best.set(k, p);
  }
  const kept = new Set(best.values());
  kept.add(all[0]!); // `all` is best first
  return [...kept];
}

/** The points of a kept list of verified rows, mapped once per list. */
const pointLists = new WeakMap<readonly VerifiedOfRun[], VerifiedPoint[]>();
function pointsOf(rows: readonly VerifiedOfRun[]): VerifiedPoint[] {
  let pts = pointLists.get(rows);
  if (!pts) pointLists.set(rows, (pts = rows.map(point)));
  return pts;
}

const vkey = (p: VerifiedPoint) => ({ speedup: p.speedup, score: p.heldOutScore });

function runningMax(points: readonly (readonly [number, number | null, ...unknown[]])[]): [number, number][] {
  const out: [number, number][] = [];
  let best = -Infinity;
  for (const [it, v] of points) {
    if (v === null || v <= best) continue;
    best = v;
    out.push([it, v]);
  }
  return out;
}

/** Folds the (status, island) groups into per-status and per-island tables. */
function fold(groups: ReturnType<typeof runGroups>) {
  const byStatus = new Map<string, StatusCount>();
  const byIsland = new Map<number | null, IslandCount>();
  for (const g of groups) {
    const s = byStatus.get(g.status) ?? { status: g.status, n: 0, verified: 0, correct: 0 };
    s.n += g.n;
    s.verified += g.verified ?? 0;
    s.correct += g.correct ?? 0;
    byStatus.set(g.status, s);
    const i = byIsland.get(g.island) ?? { island: g.island, n: 0, best: null };
    i.n += g.n;
    if (g.best !== null && (i.best === null || g.best > i.best)) i.best = g.best;
    byIsland.set(g.island, i);
  }
  return {
    byStatus: [...byStatus.values()].sort((a, b) => b.n - a.n),
    islands: [...byIsland.values()].sort((a, b) => (a.island ?? -1) - (b.island ?? -1)),
  };
}

/** The part of the summary that only changes when the database does (cached until the next commit). */
function stored(db: Database.Database, row: RunRow): Omit<RunSummary, 'throughput'> & { reported: unknown } {
  const runId = row.id;
  const { config_json, state_json, ...run } = row;
  const f = { ...fold(runGroups(db, runId)), max: runMaxIteration(db, runId) };
  const total = f.byStatus.reduce((a, s) => a + s.n, 0);
  const sampled = total > LINEAGE_FULL_MAX;
  // Above 400 × 16 iterations the bucket is a multiple of the summary's 64-iteration blocks (100 to 400 points),
  // read from those blocks instead of every candidate.
  const raw = f.max === null ? 1 : Math.max(1, Math.ceil((f.max + 1) / CHART_POINTS));
  const bucket = raw >= SUMMARY_BLOCK / 4 ? Math.ceil(raw / SUMMARY_BLOCK) * SUMMARY_BLOCK : raw;
  const points = f.max === null ? [] : scorePoints(db, runId, bucket);
  const progress = latestEvent(db, runId, 'run:progress');
  // Verdicts change rarely (a verification takes minutes): kept, and patched per changed candidate of this run
  // (migration 0010), so another run's verdict costs nothing here and this run's a row or two.
  const verifiedAll = pointsOf(
    keptVerified(db, `run-verified:${runId}`, {
      all: () => verifiedOfRun(db, runId),
      some: (ids) => verifiedOfRun(db, runId, -1, ids),
      candidateOf: (v) => v.candidate_id,
      order: (a, b) =>
        compareVerified({ speedup: a.speedup, score: a.score }, { speedup: b.speedup, score: b.score }) ||
        a.id - b.id,
    }),
  );
  const verified = thinVerified(verifiedAll, f.max);
  const screenOf = cachedByVersion(db, verdictsVersion(db), `verified-screen:${runId}:${f.max}`, () =>
    verifiedScreenScores(
      db,
      verified.map((v) => v.candidateId),
    ),
  );
  return {
    run,
    config: parseJson(config_json),
    state: parseJson(state_json),
    counts: {
      candidates: total,
      byStatus: f.byStatus,
      verified: f.byStatus.reduce((a, s) => a + s.verified, 0),
      correct: f.byStatus.reduce((a, s) => a + s.correct, 0),
    },
    islands: f.islands,
    cells: populationCells(db, runId),
    pareto: runParetoFront(db, runId),
    verifiedBest: verifiedAll[0] ?? null,
    series: {
      best: runningMax(points),
      verified: [...verified].sort((a, b) => (a.iteration ?? -1) - (b.iteration ?? -1)),
      verifiedTotal: verifiedAll.length,
      verifiedScreen: screenOf,
      points,
      maxIteration: f.max,
      bucket,
    },
    spend: { ...runSpend(db, runId), runSpentUsd: row.spent_usd },
    lineage: lineageWithPath(
      db,
      sampled ? runNodesSampled(db, runId, 20, 20, 8) : runNodes(db, runId),
      verifiedAll[0]?.candidateId ?? row.best_candidate_id,
      sampled,
      total,
    ),
    lastEventId: lastEventId(db, runId),
    verifyProgress: pendingVerifyProgress(db, runId),
    recentEvents: recentEvents(db, runId, 15),
    topCandidates: runCandidatesPage(db, runId, { sort: 'score', order: 'desc', page: 1, per: 10 }).rows,
    reported: progress ? parseJson(progress.payload_json) : undefined,
  };
}

/** Adds the path to `best` (its ancestors, kept forever: a parent never changes) to the shown nodes. */
function lineageWithPath(
  db: Database.Database,
  shown: LineageNode[],
  best: string | null,
  sampled: boolean,
  total: number,
): RunSummary['lineage'] {
  if (best === null) return { nodes: shown, sampled, total, path: [], pathTo: null, pathCut: false };
  const path = cachedByVersion(db, 0, `path:${best}`, () => ancestorPath(db, best, PATH_MAX));
  const ids = new Set(shown.map((n) => n.id));
  const nodes = [...shown, ...path.filter((n) => !ids.has(n.id))].sort(
    (a, b) => (a.iteration ?? -1) - (b.iteration ?? -1),
  );
  return {
    nodes,
    sampled,
    total,
    path: path.map((n) => n.id),
    pathTo: best,
    pathCut: (path[0]?.parent_id ?? null) !== null,
  };
}

export function buildRunSummary(db: Database.Database, runId: string, now = Date.now()): RunSummary {
  const { reported, ...s } = cachedRead(db, `run:${runId}`, () => {
    const row = findRun(db, runId);
    if (!row) throw new NotFoundError(`run "${runId}" not found (see /runs)`);
    return stored(db, row);
  });
  const evaluated = s.counts.byStatus.filter((x) => x.status !== 'pending').reduce((a, x) => a + x.n, 0);
  const end = s.run.status === 'running' ? now : Date.parse(s.run.updated_at);
  const minutes = Math.max(0, (end - Date.parse(s.run.created_at)) / 60_000);
  return {
    ...s,
    throughput: { evaluated, minutes, perMinute: minutes > 0 ? evaluated / minutes : null, reported },
  };
}
