// The stop conditions a run config names: iterations, budget, wall time, target score, plateau.
import type { RunConfig } from '../config/run-config.js';
import {
  budgetExceeded,
  maxIterations,
  plateau,
  targetReached,
  wallTime,
  type StopCondition,
} from './stop-conditions.js';

export function defaultStopConditions(config: RunConfig): StopCondition[] {
  const out: StopCondition[] = [maxIterations(config.iterations)];
  if (config.budgetUsd !== undefined) out.push(budgetExceeded(config.budgetUsd));
  if (config.wallTimeS !== undefined) out.push(wallTime(config.wallTimeS * 1000));
  if (config.target !== undefined) out.push(targetReached(config.target));
  if (config.plateau !== undefined) out.push(plateau(config.plateau));
  return out;
}
