// On resume, candidates a killed run left stored but unscreened are screened before anything else waits on them.
import { runPipeline } from './pipeline.js';

/**
 * Screens the requeued candidates (evalConcurrency at a time) before interrupted verifications resume. A
 * verification of a slow problem can take many minutes; the requeued candidates were paid for already, take
 * seconds, and one of them may supersede the best that waited to be verified (a superseded best is never timed).
 */
export async function screenRequeued<T>(
  items: T[],
  evalConcurrency: number,
  signal: AbortSignal | undefined,
  evaluate: (item: T) => Promise<void>,
): Promise<void> {
  if (items.length === 0) return;
  await runPipeline<T>({
    proposalConcurrency: 1,
    evalConcurrency,
    lookahead: 0,
    canPropose: () => false,
    canEvaluate: () => !signal?.aborted,
    propose: () => Promise.resolve(undefined),
    evaluate,
    initial: items,
  });
}
