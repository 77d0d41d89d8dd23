// Parent and inspiration sampling on one island: exploration (random), exploitation (archive), fitness-weighted.
import type { Rng } from './rng.js';
import type { DatabaseState, PopulationConfig, ProgramEntry, Selection } from './types.js';

const better = (a: ProgramEntry, b: ProgramEntry): number => (b.score ?? -Infinity) - (a.score ?? -Infinity);

/** The island's programs a parent may come from: the correct ones, or (when none is correct yet) any. */
function parentPool(state: DatabaseState, island: number): ProgramEntry[] {
  const members = (state.islands[island]?.members ?? [])
    .map((id) => state.programs[id])
    .filter((p) => p !== undefined);
  const correct = members.filter((p) => p.correct && p.score !== null);
  return correct.length > 0 ? correct : members;
}

export function selectParent(
  state: DatabaseState,
  config: PopulationConfig,
  rng: Rng,
  island: number,
): { parent: ProgramEntry; mode: Selection['mode'] } | undefined {
  const pool = parentPool(state, island);
  if (pool.length === 0) {
    const fallback = state.programs[state.bestId ?? state.seedId ?? ''];
    return fallback ? { parent: fallback, mode: 'seed' } : undefined;
  }
  const { exploration, exploitation, fitness } = config.selection;
  const total = exploration + exploitation + fitness;
  const r = rng.next() * (total > 0 ? total : 1);
  if (r < exploration || total <= 0) return { parent: rng.pick(pool)!, mode: 'exploration' };
  if (r < exploration + exploitation) {
    const onIsland = new Set(state.islands[island]?.members ?? []);
    const local = state.archive.filter((id) => onIsland.has(id));
    const ids = local.length > 0 ? local : state.archive;
    const id = rng.pick(ids);
    const p = id === undefined ? undefined : state.programs[id];
    if (p) return { parent: p, mode: 'exploitation' };
  }
  const scores = pool.map((p) => p.score ?? 0);
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const floor = hi > lo ? (hi - lo) * 0.05 : 1;
  const idx = rng.weighted(scores.map((s) => s - lo + floor));
  return { parent: pool[idx]!, mode: 'fitness' };
}

/** Top programs of the island plus programs from other grid cells (diverse), never the parent, no repeats. */
export function selectInspirations(
  state: DatabaseState,
  config: PopulationConfig,
  rng: Rng,
  island: number,
  parentId: string,
): string[] {
  const isl = state.islands[island];
  if (!isl) return [];
  const seen = new Set<string>([parentId]);
  const seenCode = new Set<string>([state.programs[parentId]?.codeHash ?? '']);
  const out: string[] = [];
  const take = (p: ProgramEntry | undefined): boolean => {
    if (!p || seen.has(p.id) || seenCode.has(p.codeHash)) return false;
    seen.add(p.id);
    seenCode.add(p.codeHash);
    out.push(p.id);
    return true;
  };
  const top = isl.members
    .map((id) => state.programs[id])
    .filter((p): p is ProgramEntry => p !== undefined && p.correct && p.score !== null)
    .sort(better);
  let n = 0;
  for (const p of top) if (n < config.inspirations.top && take(p)) n++;
  const cells = Object.keys(isl.grid).sort();
  let d = 0;
  for (const cell of rng.sample(cells, cells.length)) {
    if (d >= config.inspirations.diverse) break;
    if (take(state.programs[isl.grid[cell]!])) d++;
  }
  return out;
}
