// The verification rule for timed problems: the speedup interval's lower end must clear 1 + min_effect.
import type { SpeedupInterval } from './interval.js';

export interface SpeedupJudgement {
  verified: boolean;
  /** One line for people: the estimate, the interval and what it was compared with. */
  reason: string;
}

export function judgeSpeedup(interval: SpeedupInterval, minEffect: number): SpeedupJudgement {
  const threshold = 1 + minEffect;
  const pct = Math.round(interval.confidence * 100);
  const ci = `${pct}% CI [${interval.low.toFixed(3)}, ${interval.high.toFixed(3)}]`;
  if (interval.low > threshold) {
    return {
      verified: true,
      reason: `speedup ${interval.estimate.toFixed(3)}x, ${ci} clears ${threshold.toFixed(3)}`,
    };
  }
  return {
    verified: false,
    reason: `speedup ${interval.estimate.toFixed(3)}x not verified: ${ci} does not clear ${threshold.toFixed(3)} (1 + min_effect)`,
  };
}
