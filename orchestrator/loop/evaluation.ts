// Evaluation: screens one stored candidate (in the sandbox, or through the executor), records the outcome and
// its place in the population in one transaction, tells the proposer and the views, and hands a new best on
// to verification.
import type { EvaluationOutcome } from '../../evaluators/result.js';
import { recordOutcome } from '../evaluate/evaluate-candidate.js';
import { asInfrastructureFailure, infraOf, retryInfrastructure } from '../evaluate/infra-retry.js';
import { runStage } from '../evaluate/run-stage.js';
import { evalSeedOf, type LoopContext, type Pending } from './loop-context.js';
import type { RunPersistence } from './persistence.js';
import { attemptOf } from './program-views.js';
import type { History } from './proposal.js';
import type { Verification } from './verification.js';

export class Evaluation {
  /** Screen evaluations finished in this session (for evals/minute). */
  private done = 0;
  private readonly sessionStart = Date.now();

  constructor(
    private readonly ctx: LoopContext,
    private readonly run: RunPersistence,
    private readonly verification: Verification,
    private readonly history: History,
    /** Iterations started so far (the scheduler's count), for progress events. */
    private readonly started: () => number,
  ) {}

  /** Screens one candidate; an interrupted evaluation leaves it pending, so resume evaluates it (exactly once). */
  async evaluateOne(p: Pending): Promise<void> {
    const { ctx, run } = this;
    const { store, problem, sandbox, bus, runId, config, signal } = ctx;
    const seed = evalSeedOf(config, p.iteration);
    // A platform failure (infra-retry.ts) is retried; if it persists it is recorded as such, not blamed.
    const { result: outcome, infrastructure } = await retryInfrastructure<EvaluationOutcome>(
      () =>
        runStage({
          problem,
          sandbox,
          candidateId: p.id,
          files: p.files,
          stage: 'screen',
          seed,
          gpus: config.gpus,
          signal,
          executor: ctx.executor,
        }),
      infraOf,
      {
        signal,
        onRetry: (cause, n) =>
          bus.emit('run:warning', { runId, message: `retrying ${p.id} (${n}): ${cause}` }),
      },
    );
    if (signal?.aborted && outcome.status !== 'ok' && outcome.status !== 'incorrect') return;
    const isSeed = p.id === run.state.seedId;
    const { score, correct, improved } = store.transaction(() => {
      const stored = asInfrastructureFailure(outcome, infrastructure);
      const ev = recordOutcome(store, problem, p.id, 'screen', seed, sandbox.kind, stored);
      const metrics = outcome.status === 'ok' || outcome.status === 'incorrect' ? outcome.result.metrics : {};
      const up = run.addProgram(p, ev.score, ev.correct, metrics, (id) => ctx.views.filesOf(id));
      if (!isSeed) {
        if (!ev.correct && !infrastructure) run.state.failures.evaluations++;
        const parentScore = p.parentId ? (run.db.get(p.parentId)?.score ?? null) : null;
        ctx.proposer.observe?.({
          proposer: p.proposer ?? ctx.proposer.name,
          parentScore,
          childScore: ev.correct ? ev.score : null,
          iteration: p.iteration,
        });
      }
      run.save();
      return { score: ev.score, correct: ev.correct, improved: up };
    });
    this.done++;
    bus.emit('candidate:evaluated', {
      runId,
      candidateId: p.id,
      iteration: p.iteration,
      status: outcome.status,
      score,
      correct,
      durationMs: outcome.durationMs,
    });
    if (isSeed && !correct)
      bus.emit('run:warning', {
        runId,
        message: `the seed is not correct (${outcome.status}${'reason' in outcome ? ': ' + outcome.reason : ''}); candidates will try to fix it`,
      });
    if (!isSeed) {
      const row = store.getCandidate(p.id);
      this.history.push(attemptOf(row, p.parentId ? (run.db.get(p.parentId)?.score ?? null) : null));
    }
    if (improved && score !== null)
      bus.emit('best:improved', { runId, candidateId: p.id, score, iteration: p.iteration });
    await this.verification.afterEvaluation(p.id, improved && score !== null);
    this.progress();
  }

  /** Emits run:progress. */
  progress(inFlight = 0): void {
    const minutes = (Date.now() - this.sessionStart) / 60_000;
    this.ctx.bus.emit('run:progress', {
      runId: this.ctx.runId,
      iteration: this.started(),
      bestScore: this.run.db.best()?.score ?? null,
      verifiedBestScore: this.run.state.bestVerified?.score ?? null,
      spentUsd: this.run.state.spentUsd,
      evalsPerMinute: minutes > 0 ? this.done / minutes : 0,
      inFlight,
    });
  }
}
