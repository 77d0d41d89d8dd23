// Verification: which best waits to be verified, when it is due, and the verdict's effect on the run's
// verified best. A best superseded before its turn is never timed; interrupted verifications resume first.
import { coerceError } from '../../core/errors.js';
import { compareVerified } from '../store/verified-best.js';
import { hasVerifyStage, verifyProgressEvent, type VerifyFn } from './verify-stage.js';
import { evalSeedOf, pendingOf, type LoopContext, type Pending } from './loop-context.js';
import type { RunPersistence } from './persistence.js';

export class Verification {
  constructor(
    private readonly ctx: LoopContext,
    private readonly run: RunPersistence,
    private readonly verify: VerifyFn,
  ) {}

  /** Whether this run verifies at all (the config asks and the problem has held-out inputs). */
  get enabled(): boolean {
    return this.ctx.config.verify && hasVerifyStage(this.ctx.problem);
  }

  /** After a screen evaluation: a new best becomes the target; a target that holds counts one more. */
  async afterEvaluation(id: string, improved: boolean): Promise<void> {
    const state = this.run.state;
    if (improved) {
      if (this.enabled) {
        state.verifyTarget = { id, stableFor: 0 };
        this.run.save();
      }
    } else if (state.verifyTarget && id !== state.seedId) state.verifyTarget.stableFor++;
    await this.targetIf((t) => t.stableFor >= this.ctx.config.verifyAfter);
  }

  /** Verifies the waiting best when `due` says so (at the end of a run: always). */
  async targetIf(due: (t: { id: string; stableFor: number }) => boolean): Promise<void> {
    const t = this.run.state.verifyTarget;
    if (!t || !due(t) || this.ctx.signal?.aborted) return;
    const state = this.run.state;
    state.verifyTarget = null;
    // Recorded before measuring: a kill -9 during the verification has resume redo it first thing.
    state.pendingVerify = [...new Set([...(state.pendingVerify ?? []), t.id])];
    this.run.save();
    const row = this.ctx.store.findCandidate(t.id);
    if (row) await this.verifyOne(pendingOf(row, this.ctx.views.filesOf(t.id) ?? {}));
  }

  /** Verifications an earlier session left interrupted, first thing on resume. */
  async resumeInterrupted(): Promise<void> {
    for (const id of this.run.state.pendingVerify ?? []) {
      const row = this.ctx.store.findCandidate(id);
      if (row && !this.ctx.signal?.aborted)
        await this.verifyOne(pendingOf(row, this.ctx.views.filesOf(id) ?? {}));
    }
  }

  private async verifyOne(p: Pending): Promise<void> {
    const { ctx, run } = this;
    const state = run.state;
    try {
      const r = await this.verify({
        store: ctx.store,
        problem: ctx.problem,
        sandbox: ctx.sandbox,
        candidateId: p.id,
        files: p.files,
        baselineId: state.seedId,
        baselineFiles: ctx.seedCode,
        seed: evalSeedOf(ctx.config, p.iteration) + 1_000_003,
        gpus: ctx.config.gpus,
        signal: ctx.signal,
        executor: ctx.executor,
        onProgress: (pr) => ctx.bus.emit('verify:progress', verifyProgressEvent(ctx.runId, p.id, pr)),
      });
      if (r.infrastructure)
        ctx.bus.emit('run:warning', {
          runId: ctx.runId,
          message: `verification of ${p.id} kept pending: ${r.reason}`,
        });
      if (r.interrupted || r.infrastructure) {
        state.pendingVerify = [...new Set([...(state.pendingVerify ?? []), p.id])];
        run.save();
        return;
      }
      state.pendingVerify = (state.pendingVerify ?? []).filter((id) => id !== p.id);
      // A verified candidate becomes the verified best when it beats the incumbent under the one rule
      // (store/verified-best.ts) that the run page, the API and the CLI use too.
      const inc = state.bestVerified;
      const beats = !inc || compareVerified(r, inc) < 0;
      if (r.verified && beats) state.bestVerified = { id: p.id, score: r.score, speedup: r.speedup };
      run.save();
      ctx.bus.emit('candidate:verified', {
        runId: ctx.runId,
        candidateId: p.id,
        verified: r.verified,
        speedup: r.speedup,
        ciLow: r.ciLow,
        ciHigh: r.ciHigh,
        score: r.score,
        reason: r.reason,
      });
    } catch (error) {
      ctx.bus.emit('run:warning', {
        runId: ctx.runId,
        message: `verification of ${p.id} failed: ${coerceError(error).message}`,
      });
    }
  }
}
