// The shape every speedup estimator returns: a point estimate and a two-sided confidence interval.

export interface SpeedupInterval {
  /** baseline time / candidate time; > 1 means the candidate is faster. */
  estimate: number;
  low: number;
  high: number;
  confidence: number;
  /** Which estimator produced it, e.g. "bootstrap-ratio-of-medians". */
  method: string;
}

/** Half the interval's width relative to its estimate (the precision sequential sampling aims for). */
export function relativeHalfWidth(interval: SpeedupInterval): number {
  return (interval.high - interval.low) / 2 / interval.estimate;
}

export function assertSamples(name: string, values: readonly number[], min = 2): void {
  if (values.length < min)
    throw new RangeError(`${name}: need at least ${min} samples, got ${values.length}`);
  for (const v of values) {
    if (!Number.isFinite(v) || v <= 0)
      throw new RangeError(`${name}: samples must be positive finite times, got ${v}`);
  }
}
