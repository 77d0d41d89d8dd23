// The loop's public surface: evolve(), stop conditions, the verify hook and the store event writer.
export { evolve, type EvolveOptions, type EvolveResult } from './evolve.js';
export {
  budgetExceeded,
  maxIterations,
  plateau,
  targetReached,
  wallTime,
  type LoopStatus,
  type StopCondition,
} from './stop-conditions.js';
export { defaultStopConditions } from './default-stops.js';
export { verifyStage, type VerifyFn, type VerifyRequest, type VerifyResult } from './verify-stage.js';
export { writeEventsToStore } from './store-events.js';
