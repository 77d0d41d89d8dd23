// The population_programs table: one row per program placed in a run's population, written once, replayed on resume.
import type Database from 'better-sqlite3';
import type { PlacedProgram } from '../population/program-database.js';
import type { Store } from './store.js';

interface Row {
  seq: number;
  candidate_id: string;
  is_seed: number;
  island: number;
  cell: string | null;
  score: number | null;
  correct: number;
  parent_id: string | null;
  iteration: number;
  generation: number;
  code_hash: string;
  features_json: string;
  objectives_json: string | null;
}

const statements = new WeakMap<Store, Database.Statement<unknown[]>>();

/** Writes programs placed since the last write (call inside the transaction that saves the run state). */
export function insertPopulationRows(store: Store, runId: string, rows: readonly PlacedProgram[]): void {
  let insert = statements.get(store);
  if (!insert) {
    insert = store.db.prepare(
      `INSERT INTO population_programs (run_id, seq, candidate_id, is_seed, island, cell, score, correct, parent_id,
         iteration, generation, code_hash, features_json, objectives_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    statements.set(store, insert);
  }
  for (const r of rows) {
    const e = r.entry;
    insert.run(
      runId,
      r.seq,
      e.id,
      r.seed ? 1 : 0,
      e.island,
      r.cell,
      e.score,
      e.correct ? 1 : 0,
      e.parentId,
      e.iteration,
      e.generation,
      e.codeHash,
      JSON.stringify(e.features),
      e.objectives ? JSON.stringify(e.objectives) : null,
    );
  }
}

/** A run's placed programs in the order they were added. */
export function loadPopulationRows(store: Store, runId: string): PlacedProgram[] {
  const rows = store.db
    .prepare('SELECT * FROM population_programs WHERE run_id = ? ORDER BY seq')
    .all(runId) as Row[];
  return rows.map((r) => ({
    seq: r.seq,
    seed: r.is_seed === 1,
    cell: r.cell,
    entry: {
      id: r.candidate_id,
      score: r.score,
      correct: r.correct === 1,
      features: JSON.parse(r.features_json) as Record<string, number>,
      island: r.island,
      parentId: r.parent_id,
      iteration: r.iteration,
      generation: r.generation,
      codeHash: r.code_hash,
      ...(r.objectives_json === null
        ? {}
        : { objectives: JSON.parse(r.objectives_json) as Record<string, number> }),
    },
  }));
}
