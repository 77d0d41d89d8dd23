// Runs proposals and evaluations concurrently with separate limits; a queue keeps proposals ahead of the eval slots.
import { inspect } from 'node:util';

export interface PipelineOptions<T> {
  proposalConcurrency: number;
  evalConcurrency: number;
  /** Stored-but-unevaluated items allowed beyond the eval slots (how far proposals run ahead). */
  lookahead: number;
  /** Whether another proposal may start now (stop conditions, abort). */
  canPropose: () => boolean;
  /** Whether queued items may still be evaluated (false after an abort: they stay stored, for resume). */
  canEvaluate: () => boolean;
  /** Makes one proposal; resolves to an item to evaluate, or undefined when there is nothing to evaluate. */
  propose: () => Promise<T | undefined>;
  evaluate: (item: T) => Promise<void>;
  /** Items to evaluate first (e.g. stored candidates a killed run left unevaluated). */
  initial?: T[];
}

export interface PipelineStats {
  wallMs: number;
  /** Summed time evaluation slots were busy. */
  evalBusyMs: number;
  /** evalBusyMs / (evalConcurrency * wallMs). */
  utilization: number;
  proposals: number;
  evaluations: number;
}

/** Runs until nothing can start and nothing is in flight; rejects (after draining) on an unexpected error. */
export function runPipeline<T>(opts: PipelineOptions<T>): Promise<PipelineStats> {
  const queue: T[] = [...(opts.initial ?? [])];
  let proposing = 0;
  let evaluating = 0;
  let failure: unknown;
  let busy = 0;
  let proposals = 0;
  let evaluations = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let settled = false;
    const pump = (): void => {
      if (settled) return;
      try {
        while (
          failure === undefined &&
          evaluating < opts.evalConcurrency &&
          queue.length > 0 &&
          opts.canEvaluate()
        ) {
          const item = queue.shift() as T;
          evaluating++;
          evaluations++;
          const t0 = performance.now();
          opts
            .evaluate(item)
            .catch((e: unknown) => (failure ??= e))
            .finally(() => {
              busy += performance.now() - t0;
              evaluating--;
              pump();
            });
        }
        while (
          failure === undefined &&
          proposing < opts.proposalConcurrency &&
          queue.length + proposing < opts.evalConcurrency + opts.lookahead &&
          opts.canPropose()
        ) {
          proposing++;
          proposals++;
          opts
            .propose()
            .then((item) => {
              if (item !== undefined) queue.push(item);
            })
            .catch((e: unknown) => (failure ??= e))
            .finally(() => {
              proposing--;
              pump();
            });
        }
      } catch (e) {
        failure ??= e;
      }
      const idle =
        proposing === 0 &&
        evaluating === 0 &&
        (queue.length === 0 || !opts.canEvaluate() || failure !== undefined);
      if (!idle) return;
      settled = true;
      const wallMs = performance.now() - started;
      if (failure !== undefined) reject(failure instanceof Error ? failure : new Error(inspect(failure)));
      else
        resolve({
          wallMs,
          evalBusyMs: busy,
          utilization: wallMs > 0 ? busy / (opts.evalConcurrency * wallMs) : 0,
          proposals,
          evaluations,
        });
    };
    pump();
  });
}
