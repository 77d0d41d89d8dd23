// Ring migration: an island's top fraction of its own programs moves to the next island (no duplicates, no re-migration).
import type { DatabaseState, PopulationConfig } from './types.js';

/** Migrates from `from` to the next island in the ring; returns the ids that moved. */
export function migrateRing(state: DatabaseState, config: PopulationConfig, from: number): string[] {
  const n = state.islands.length;
  const src = state.islands[from];
  const dst = state.islands[(from + 1) % n];
  if (!src || !dst || n < 2) return [];
  const migrants = new Set(src.migrants);
  const own = src.members
    .filter((id) => !migrants.has(id))
    .map((id) => state.programs[id])
    .filter((p) => p !== undefined && p.correct && p.score !== null)
    .sort((a, b) => (b!.score ?? 0) - (a!.score ?? 0));
  const count = Math.max(1, Math.floor(own.length * config.migrationFraction));
  const present = new Set(dst.members);
  const presentCode = new Set(dst.members.map((id) => state.programs[id]?.codeHash));
  const moved: string[] = [];
  for (const p of own.slice(0, count)) {
    if (!p || present.has(p.id) || presentCode.has(p.codeHash)) continue;
    dst.members.push(p.id);
    dst.migrants.push(p.id);
    present.add(p.id);
    presentCode.add(p.codeHash);
    moved.push(p.id);
  }
  src.lastMigration = src.generation;
  return moved;
}
