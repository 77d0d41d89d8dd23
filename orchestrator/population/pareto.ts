// Pareto ranking for multi-objective problems: non-dominated sorting and crowding distance (NSGA-II's two keys).

/** One objective of a problem: a metric and whether more or less of it is better. */
export interface Objective {
  name: string;
  direction: 'maximize' | 'minimize';
}

/** The program's objective values oriented so that higher is better; undefined when a value is missing or not finite. */
export function oriented(
  objectives: readonly Objective[],
  values: Readonly<Record<string, number>> | undefined,
): number[] | undefined {
  if (!values) return undefined;
  const out: number[] = [];
  for (const o of objectives) {
    const v = values[o.name];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    out.push(o.direction === 'maximize' ? v : -v);
  }
  return out;
}

/** a dominates b: at least as good in every objective and better in one (vectors oriented, higher is better). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return false;
    if (a[i]! > b[i]!) better = true;
  }
  return better;
}

/**
 * Fast non-dominated sorting: the rank of each vector (0 = the Pareto front, 1 = the front once rank 0 is removed,
 * ...). O(M N^2), fine for the few hundred programs of an island.
 */
export function paretoRanks(vectors: readonly (readonly number[])[]): number[] {
  const n = vectors.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      if (dominates(vectors[i]!, vectors[j]!)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dominates(vectors[j]!, vectors[i]!)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  const rank = new Array<number>(n).fill(-1);
  let current = [...Array(n).keys()].filter((i) => dominatedBy[i] === 0);
  for (let r = 0; current.length > 0; r++) {
    const next: number[] = [];
    for (const i of current) {
      rank[i] = r;
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    current = next;
  }
  return rank;
}

/**
 * Crowding distance of each vector within its own rank: the normalised perimeter of the box its neighbours span,
 * Infinity at the ends of each objective, so selection keeps the front spread out rather than clustered.
 */
export function crowdingDistances(
  vectors: readonly (readonly number[])[],
  ranks: readonly number[],
): number[] {
  const out = new Array<number>(vectors.length).fill(0);
  const m = vectors[0]?.length ?? 0;
  const byRank = new Map<number, number[]>();
  for (const [i, r] of ranks.entries()) byRank.set(r, [...(byRank.get(r) ?? []), i]);
  for (const members of byRank.values()) {
    for (let k = 0; k < m; k++) {
      const sorted = [...members].sort((a, b) => vectors[a]![k]! - vectors[b]![k]!);
      const lo = vectors[sorted[0]!]![k]!;
      const hi = vectors[sorted.at(-1)!]![k]!;
      out[sorted[0]!] = Infinity;
      out[sorted.at(-1)!] = Infinity;
      if (hi === lo) continue;
      for (let s = 1; s < sorted.length - 1; s++)
        out[sorted[s]!]! += (vectors[sorted[s + 1]!]![k]! - vectors[sorted[s - 1]!]![k]!) / (hi - lo);
    }
  }
  return out;
}

/** Ordering of NSGA-II's crowded comparison: lower rank first, then larger crowding distance. */
export function crowdedLess(ra: number, ca: number, rb: number, cb: number): boolean {
  return ra < rb || (ra === rb && ca > cb);
}

/** Indices of the non-dominated vectors (rank 0). */
export function frontIndices(vectors: readonly (readonly number[])[]): number[] {
  return paretoRanks(vectors).flatMap((r, i) => (r === 0 ? [i] : []));
}
