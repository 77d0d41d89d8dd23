// MAP-Elites features of a program: raw values per dimension, and their bins against running min/max.
import { diffLines } from 'diff';

/** Code length in characters over all evolved files. */
export function codeLength(files: Record<string, string>): number {
  return Object.values(files).reduce((n, text) => n + text.length, 0);
}

/** A line-level edit distance: characters in added or removed lines (the `diff` package does the matching). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let d = 0;
  for (const part of diffLines(a, b)) if (part.added || part.removed) d += part.value.length;
  return d;
}

export function joinFiles(files: Record<string, string>): string {
  return Object.keys(files)
    .sort()
    .map((k) => `// ${k}\n${files[k] ?? ''}`)
    .join('\n');
}

/**
 * Raw feature values. `diversity` is the mean edit distance to the reference programs' code (0 with none);
 * `complexity` the code length; `score` the primary score; any other name is read from the metrics.
 */
export function featureValues(
  dims: readonly string[],
  input: {
    files: Record<string, string>;
    metrics: Record<string, number>;
    score: number | null;
    refs: string[];
  },
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const dim of dims) {
    if (dim === 'complexity') out[dim] = codeLength(input.files);
    else if (dim === 'diversity') {
      const code = joinFiles(input.files);
      out[dim] = input.refs.length
        ? input.refs.reduce((s, r) => s + editDistance(code, r), 0) / input.refs.length
        : 0;
    } else if (dim === 'score') out[dim] = input.score ?? 0;
    else out[dim] = input.metrics[dim] ?? 0;
  }
  return out;
}

/** Widens the running ranges with new values (ranges grow, never shrink). */
export function widenRanges(
  ranges: Record<string, { min: number; max: number }>,
  values: Record<string, number>,
): void {
  for (const [dim, v] of Object.entries(values)) {
    if (!Number.isFinite(v)) continue;
    const r = ranges[dim];
    if (!r) ranges[dim] = { min: v, max: v };
    else {
      r.min = Math.min(r.min, v);
      r.max = Math.max(r.max, v);
    }
  }
}

/** The grid cell of a feature vector: each value min-max scaled into `bins` bins. */
export function cellKey(
  dims: readonly string[],
  values: Record<string, number>,
  ranges: Record<string, { min: number; max: number }>,
  bins: number,
): string {
  return dims
    .map((dim) => {
      const v = values[dim] ?? 0;
      const r = ranges[dim];
      if (!r || r.max <= r.min) return 0;
      const scaled = (v - r.min) / (r.max - r.min);
      return Math.min(bins - 1, Math.max(0, Math.floor(scaled * bins)));
    })
    .join(',');
}
