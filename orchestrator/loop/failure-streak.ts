// Stops a doomed run: the same provider error N proposals in a row, or a provider down (after retries) for too long.
import type { ProposalResult } from '../proposers/types.js';

export interface FailureStreakOptions {
  /** Proposals in a row failing with the same non-retryable error that stop the run (run config stopAfterFailures). */
  stopAfterFailures: number;
  /** Seconds of proposals all failing with retryable errors (429, 529, 5xx, connection) that stop the run. */
  outageLimitS: number;
  now?: () => number;
}

/**
 * Watches proposal outcomes. Only failures of the provider count (not edits that did not apply: a model that
 * answers is a working provider), and any other outcome ends the streak.
 * @example const streak = new FailureStreak(config); ... const stop = streak.observe(result); if (stop) ...
 */
export class FailureStreak {
  private key: string | undefined;
  private count = 0;
  private outageSince: number | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: FailureStreakOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Records one proposal; returns the one-line reason to stop the run, or undefined to go on. */
  observe(result: ProposalResult): string | undefined {
    const failure = result.ok ? undefined : result.failure;
    if (result.ok || !failure?.infrastructure) {
      this.key = undefined;
      this.count = 0;
      this.outageSince = undefined;
      return undefined;
    }
    const reason = result.reason;
    if (failure.retryable) {
      this.key = undefined;
      this.count = 0;
      this.outageSince ??= this.now();
      const seconds = (this.now() - this.outageSince) / 1000;
      if (seconds < this.opts.outageLimitS) return undefined;
      const lasted = seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
      return `the provider has failed every proposal for ${lasted}, retries included (outageLimitS ${this.opts.outageLimitS}); last: ${reason}; resume the run once the provider is back`;
    }
    this.outageSince = undefined;
    this.count = failure.key === this.key ? this.count + 1 : 1;
    this.key = failure.key;
    if (this.count < this.opts.stopAfterFailures) return undefined;
    const fix = failure.fix && !reason.includes(failure.fix) ? `; fix: ${failure.fix}` : '';
    return `${this.count} proposals in a row failed with the same error: ${reason}${fix}`;
  }
}
