// Everything the run page shows, from the store: scores over iterations, occupancy, lineage, spend, throughput.
import type Database from 'better-sqlite3';
import { NotFoundError } from '../../core/errors.js';
import type { RunRow } from '../../orchestrator/store/types.js';
import { parseJson } from './parse-json.js';
import {
  bestScoreSteps,
  findRun,
  lastEventId,
  latestEvent,
  runIslands,
  runIterationRange,
  runNodes,
  runNodesSampled,
  runSpend,
  runStatusCounts,
  scorePoints,
  verifiedPoints,
  type IslandCount,
  type LineageNode,
  type SpendRow,
  type StatusCount,
} from './queries.js';

/** Runs with more candidates than this show a sampled lineage (top and latest plus ancestors). */
export const LINEAGE_FULL_MAX = 400;
const CHART_POINTS = 400;

export interface RunSummary {
  run: Omit<RunRow, 'config_json' | 'state_json'>;
  config: unknown;
  /** run.state_json parsed; its shape belongs to the population code, so it is shown as found. */
  state: unknown;
  counts: { candidates: number; byStatus: StatusCount[]; verified: number; correct: number };
  islands: IslandCount[];
  series: {
    /** [iteration, best screen score so far] at each improvement. */
    best: [number, number][];
    /** [iteration, best verified score so far] at each improvement. */
    verifiedBest: [number, number][];
    /** [iteration, top score in the iteration bucket]: the cloud behind the curves. */
    points: [number, number][];
    maxIteration: number | null;
  };
  spend: SpendRow & { runSpentUsd: number };
  throughput: { evaluated: number; minutes: number; perMinute: number | null; reported: unknown };
  lineage: { nodes: LineageNode[]; sampled: boolean; total: number };
  lastEventId: number;
}

function runningMax(points: [number, number | null][]): [number, number][] {
  const out: [number, number][] = [];
  let best = -Infinity;
  for (const [it, v] of points) {
    if (v === null || v <= best) continue;
    best = v;
    out.push([it, v]);
  }
  return out;
}

export function buildRunSummary(db: Database.Database, runId: string, now = Date.now()): RunSummary {
  const row = findRun(db, runId);
  if (!row) throw new NotFoundError(`run "${runId}" not found (see /runs)`);
  const { config_json, state_json, ...run } = row;
  const byStatus = runStatusCounts(db, runId);
  const range = runIterationRange(db, runId);
  const sampled = range.n > LINEAGE_FULL_MAX;
  const spend = runSpend(db, runId);
  const evaluated = byStatus.filter((s) => s.status !== 'pending').reduce((a, s) => a + s.n, 0);
  const end = row.status === 'running' ? now : Date.parse(row.updated_at);
  const minutes = Math.max(0, (end - Date.parse(row.created_at)) / 60_000);
  const progress = latestEvent(db, runId, 'run:progress');
  return {
    run,
    config: parseJson(config_json),
    state: parseJson(state_json),
    counts: {
      candidates: range.n,
      byStatus,
      verified: byStatus.reduce((a, s) => a + (s.verified ?? 0), 0),
      correct: byStatus.reduce((a, s) => a + (s.correct ?? 0), 0),
    },
    islands: runIslands(db, runId),
    series: {
      best: bestScoreSteps(db, runId),
      verifiedBest: runningMax(verifiedPoints(db, runId).map((p) => [p.iteration, p.score])),
      points: range.max === null ? [] : scorePoints(db, runId, range.max, CHART_POINTS),
      maxIteration: range.max,
    },
    spend: { ...spend, runSpentUsd: row.spent_usd },
    throughput: {
      evaluated,
      minutes,
      perMinute: minutes > 0 ? evaluated / minutes : null,
      reported: progress ? parseJson(progress.payload_json) : undefined,
    },
    lineage: {
      nodes: sampled ? runNodesSampled(db, runId, 40, 40) : runNodes(db, runId),
      sampled,
      total: range.n,
    },
    lastEventId: lastEventId(db, runId),
  };
}
