// Small helpers for server-drawn SVG: scales and nice tick values.

export interface Scale {
  (v: number): number;
  ticks: number[];
}

/** Round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)));
  return out;
}

/** A linear scale from [d0, d1] to [r0, r1], padded when the domain is a single value. */
export function linear(d0: number, d1: number, r0: number, r1: number): Scale {
  let lo = d0;
  let hi = d1;
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  }
  const f = ((v: number) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0)) as Scale;
  f.ticks = niceTicks(lo, hi);
  return f;
}

export const fx = (v: number): string => v.toFixed(1);
