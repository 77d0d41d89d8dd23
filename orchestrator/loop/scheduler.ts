// Scheduling: numbers the iterations, decides whether another proposal may start (stop conditions, abort, a
// fatal proposer) and, at the end, the run's status and reason.
import type { ProgramDatabase } from '../population/program-database.js';
import type { RunState } from './run-state.js';
import { firstMet, type LoopStatus, type StopCondition } from './stop-conditions.js';

export type RunStatus = 'finished' | 'stopped' | 'failed';

export class Scheduler {
  /** The next iteration number to hand out (the seed is iteration 0). */
  private next = 1;
  private stopReason: string | undefined;
  private fatal: string | undefined;
  /** Proposals that produced something to evaluate, this session. */
  private readonly sessionStart = Date.now();

  constructor(
    private readonly stops: readonly StopCondition[],
    private readonly state: RunState,
    private readonly db: ProgramDatabase,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Continues the numbering after what the store already holds. */
  seen(iteration: number): void {
    this.next = Math.max(this.next, iteration + 1);
  }

  /** Hands out the next iteration number. */
  take(): number {
    return this.next++;
  }

  /** Iterations started after the seed (over all sessions). */
  get started(): number {
    return this.next - 1;
  }

  get sessionMs(): number {
    return Date.now() - this.sessionStart;
  }

  status(): LoopStatus {
    return {
      started: this.started,
      completed: this.state.completed,
      spentUsd: this.state.spentUsd,
      elapsedMs: this.state.elapsedMs + this.sessionMs,
      bestScore: this.db.best()?.score ?? null,
      sinceImprovement: this.state.sinceImprovement,
    };
  }

  /** Whether another proposal may start now; remembers the first stop condition that fired. */
  canPropose(): boolean {
    if (this.signal?.aborted || this.fatal !== undefined || this.stopReason !== undefined) return false;
    const met = firstMet(this.stops, this.status());
    if (met) this.stopReason = met.reason;
    return met === undefined;
  }

  /** A proposer that cannot go on (budget, auth): no further proposals. */
  fatalProposal(reason: string): void {
    this.fatal ??= reason;
  }

  /** The run's status and reason after the pipeline ended (or threw `failure`). */
  outcome(runId: string, failure: string | undefined): { status: RunStatus; reason: string } {
    if (failure !== undefined) return { status: 'failed', reason: failure };
    if (this.signal?.aborted)
      return { status: 'stopped', reason: 'interrupted (resume with `adrs resume ' + runId + '`)' };
    if (this.fatal !== undefined)
      // A fatal proposer error, or a doomed run (failure-streak.ts), fails the run (exit 1): it is resumable once fixed.
      return { status: 'failed', reason: `proposer: ${this.fatal}` };
    return { status: 'finished', reason: this.stopReason ?? 'nothing left to do' };
  }
}
