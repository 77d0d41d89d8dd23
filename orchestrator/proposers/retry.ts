// Our own retry policy for LLM calls: backoff with jitter, retry-after honoured, a cap on total waiting, abortable.
import { LlmError } from './errors.js';
import type { TokenUsage } from './prices.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Give up rather than wait more than this in total (a retry-after beyond it ends the call). */
  maxTotalWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 2_000,
  maxDelayMs: 60_000,
  maxTotalWaitMs: 300_000,
};

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** setTimeout as a promise that an abort signal ends early (it resolves; the caller checks the signal). */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export interface AttemptLog {
  attempt: number;
  kind: string;
  status?: number;
  error: string;
  /** What we waited before the next attempt (0 when we gave up). */
  waitMs: number;
  /** Tokens the provider reported for this failed attempt (it may bill them). */
  usage?: TokenUsage;
}

/** A wait as people read it: "850 ms", "4 s". */
export const waitText = (ms: number): string =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;

/** The summed usage the failed attempts of a call reported. */
export function failedUsage(log: AttemptLog[]): TokenUsage {
  const sum: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const e of log)
    if (e.usage) for (const k of Object.keys(sum) as (keyof TokenUsage)[]) sum[k] += e.usage[k];
  return sum;
}

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number; log: AttemptLog[] }
  | { ok: false; error: LlmError; attempts: number; log: AttemptLog[] };

/** Runs `fn` until it succeeds, fails for good, the policy runs out, or the signal aborts. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  deps: {
    sleep: Sleep;
    jitter: () => number;
    signal?: AbortSignal;
    /** Told before each wait (the loop shows it, so a long outage is visible). */
    onWait?: (entry: AttemptLog) => void;
  },
): Promise<RetryOutcome<T>> {
  const log: AttemptLog[] = [];
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await fn(attempt), attempts: attempt, log };
    } catch (thrown) {
      const error =
        thrown instanceof LlmError
          ? thrown
          : new LlmError('other', (thrown as Error)?.message ?? String(thrown));
      const entry: AttemptLog = {
        attempt,
        kind: error.kind,
        ...(error.status === undefined ? {} : { status: error.status }),
        error: error.message,
        waitMs: 0,
        ...(error.usage ? { usage: error.usage } : {}),
      };
      log.push(entry);
      if (!error.isRetryable || attempt >= policy.maxAttempts || deps.signal?.aborted)
        return { ok: false, error, attempts: attempt, log };
      const backoff =
        Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + deps.jitter() / 2);
      const wait = Math.round(error.retryAfterMs ?? backoff);
      if (waited + wait > policy.maxTotalWaitMs) {
        const gaveUp = new LlmError(
          error.kind,
          `${error.message} (gave up: waiting ${Math.round(wait / 1000)} s more would pass the ${Math.round(policy.maxTotalWaitMs / 1000)} s retry budget)`,
          { ...(error.status === undefined ? {} : { status: error.status }), cause: error },
        );
        return { ok: false, error: gaveUp, attempts: attempt, log };
      }
      entry.waitMs = wait;
      waited += wait;
      deps.onWait?.(entry);
      await deps.sleep(wait, deps.signal);
      if (deps.signal?.aborted)
        return { ok: false, error: new LlmError('aborted', 'request aborted'), attempts: attempt, log };
    }
  }
}
