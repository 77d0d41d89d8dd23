// Parent and inspiration sampling on one island: exploration (random), exploitation (archive), fitness-weighted.
import { crowdedLess, crowdingDistances, oriented, paretoRanks } from './pareto.js';
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

/** Whether the population ranks by several objectives (problem.yaml `objectives:` with two or more). */
export const isMultiObjective = (config: PopulationConfig): boolean => (config.objectives?.length ?? 0) >= 2;

/** The pool's programs with every objective, each with its Pareto rank and crowding distance in that pool. */
export function paretoOrder(
  pool: readonly ProgramEntry[],
  config: PopulationConfig,
): { entry: ProgramEntry; rank: number; crowding: number }[] {
  const ranked = pool.flatMap((entry) => {
    const v = oriented(config.objectives ?? [], entry.objectives);
    return v ? [{ entry, v }] : [];
  });
  const ranks = paretoRanks(ranked.map((r) => r.v));
  const crowding = crowdingDistances(
    ranked.map((r) => r.v),
    ranks,
  );
  return ranked
    .map((r, i) => ({ entry: r.entry, rank: ranks[i]!, crowding: crowding[i]! }))
    .sort((a, b) => a.rank - b.rank || b.crowding - a.crowding || a.entry.id.localeCompare(b.entry.id));
}

/** NSGA-II's binary tournament: two random members, the lower rank wins, then the less crowded. */
function paretoTournament(
  pool: readonly ProgramEntry[],
  config: PopulationConfig,
  rng: Rng,
): ProgramEntry | undefined {
  const order = paretoOrder(pool, config);
  if (order.length === 0) return undefined;
  const a = rng.pick(order)!;
  const b = rng.pick(order)!;
  return crowdedLess(a.rank, a.crowding, b.rank, b.crowding) ? a.entry : b.entry;
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
  if (isMultiObjective(config)) {
    // Exploitation and fitness both mean "good" here, and good is the Pareto order, not the primary score.
    const p = paretoTournament(pool, config, rng);
    if (p) return { parent: p, mode: 'pareto' };
  }
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
  const correct = isl.members
    .map((id) => state.programs[id])
    .filter((p): p is ProgramEntry => p !== undefined && p.correct && p.score !== null);
  // Multi-objective: the "top" inspirations are the island's front, spread out first; otherwise the best scores.
  const top = isMultiObjective(config)
    ? paretoOrder(correct, config).map((o) => o.entry)
    : correct.sort(better);
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
