// A run's Pareto front (multi-objective problems): its correct programs' objective values and which are non-dominated.
import type Database from 'better-sqlite3';
import { frontIndices, oriented, type Objective } from '../population/pareto.js';
import { objectivesPart, problemObjectives } from '../../problems/src/schema.js';

export interface ParetoPoint {
  candidateId: string;
  iteration: number;
  /** Raw objective values by metric name. */
  values: Record<string, number>;
  /** Non-dominated among the run's correct programs. */
  onFront: boolean;
}

export interface RunPareto {
  objectives: Objective[];
  /** Every correct program with all objective values, front members first (then by iteration). */
  points: ParetoPoint[];
}

/** The objectives of a run's problem (from the spec stored when it started); empty for a single-score problem. */
export function runObjectives(db: Database.Database, runId: string): Objective[] {
  const row = db
    .prepare(
      `SELECT p.spec_json FROM runs r JOIN problems p ON p.name = r.problem_name AND p.content_hash = r.problem_hash
       WHERE r.id = ?`,
    )
    .get(runId) as { spec_json: string } | undefined;
  if (!row) return [];
  const spec = objectivesPart.safeParse(JSON.parse(row.spec_json));
  return spec.success ? problemObjectives(spec.data) : [];
}

/** The run's points and front; null when its problem has fewer than two objectives. */
export function runParetoFront(db: Database.Database, runId: string): RunPareto | null {
  const objectives = runObjectives(db, runId);
  if (objectives.length < 2) return null;
  const rows = db
    .prepare(
      `SELECT candidate_id, iteration, objectives_json FROM population_programs
       WHERE run_id = ? AND correct = 1 AND objectives_json IS NOT NULL ORDER BY seq`,
    )
    .all(runId) as { candidate_id: string; iteration: number; objectives_json: string }[];
  const seen = new Set<string>();
  const points: { p: ParetoPoint; v: number[] }[] = [];
  for (const r of rows) {
    if (seen.has(r.candidate_id)) continue;
    seen.add(r.candidate_id);
    const values = JSON.parse(r.objectives_json) as Record<string, number>;
    const v = oriented(objectives, values);
    if (v)
      points.push({ p: { candidateId: r.candidate_id, iteration: r.iteration, values, onFront: false }, v });
  }
  for (const i of frontIndices(points.map((x) => x.v))) points[i]!.p.onFront = true;
  const out = points.map((x) => x.p);
  out.sort((a, b) => Number(b.onFront) - Number(a.onFront) || a.iteration - b.iteration);
  return { objectives, points: out };
}
