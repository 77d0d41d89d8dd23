// Meta-recommendations in the loop: every K finished candidates one summary call turns the attempts since the last
// summary into a short list of lessons; the list is kept in the run state (resumable, shown on the run page) and
// handed to every later proposal. A failed summary is a warning and keeps the old list; it never stops the run.
import { coerceError } from '../../core/errors.js';
import { META_SYSTEM, metaUserPrompt, parseRecommendations } from '../prompts/meta-prompt.js';
import type { AttemptView } from '../proposers/types.js';
import type { LoopContext } from './loop-context.js';
import type { RunPersistence } from './persistence.js';
import { attemptOf } from './program-views.js';
import { recordLlmCall } from './record-llm-call.js';

export class MetaRecommendations {
  private running: Promise<void> | undefined;
  private warnedNoModel = false;

  constructor(
    private readonly ctx: LoopContext,
    private readonly run: RunPersistence,
  ) {}

  /** The lessons in force (empty until the first summary). */
  current(): string[] {
    return this.run.state.meta?.items ?? [];
  }

  /**
   * Starts a summary when K candidates finished since the last one and none is under way. Awaited by the proposal
   * that triggers it (so the next prompts see the lessons); concurrent proposals go on with the old list.
   */
  async maybeUpdate(): Promise<void> {
    const { config } = this.ctx;
    if (!config.meta.enabled || this.running) return;
    const since = this.run.state.meta?.atCompleted ?? 0;
    if (this.run.state.completed - since < config.meta.every) return;
    if (!this.ctx.proposer.summarise) {
      if (!this.warnedNoModel)
        this.ctx.bus.emit('run:warning', {
          runId: this.ctx.runId,
          message: `meta-recommendations need a proposer with a model; ${this.ctx.proposer.name} has none (meta.enabled ignored)`,
        });
      this.warnedNoModel = true;
      return;
    }
    this.running = this.update().finally(() => (this.running = undefined));
    await this.running;
  }

  /** The finished attempts of the run after the seed, oldest first, at most `limit` of the latest. */
  private attempts(limit: number): AttemptView[] {
    const rows = this.ctx.store
      .listCandidates(this.ctx.runId)
      .filter((r) => r.iteration !== 0 && r.status !== 'pending')
      .slice(-limit);
    return rows.map((r) => attemptOf(r, r.parent_id ? (this.run.db.get(r.parent_id)?.score ?? null) : null));
  }

  private async update(): Promise<void> {
    const { ctx, run } = this;
    const { store, runId, bus, config } = ctx;
    const at = run.state.completed;
    const previous = this.current();
    try {
      const result = await ctx.proposer.summarise!({
        system: META_SYSTEM,
        user: metaUserPrompt({
          problemName: ctx.problem.spec.name,
          primary: ctx.problem.spec.primary,
          // The window since the last summary, plus as many before it for context.
          attempts: this.attempts(Math.max(2 * config.meta.every, 10)),
          previous,
          maxItems: config.meta.items,
        }),
        recordCall: (call) => recordLlmCall(ctx, call),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        notify: (message) => bus.emit('run:warning', { runId, message }),
      });
      const items = result.ok ? parseRecommendations(result.text, config.meta.items) : [];
      store.transaction(() => {
        run.state.spentUsd += result.costUsd;
        // Counted as done either way, so a failing model is asked again only after another K candidates.
        run.state.meta = {
          items: items.length > 0 ? items : previous,
          atCompleted: at,
          updates: (run.state.meta?.updates ?? 0) + (items.length > 0 ? 1 : 0),
        };
        run.save();
      });
      if (!result.ok || items.length === 0)
        bus.emit('run:warning', {
          runId,
          message: `meta-recommendations: ${result.ok ? 'the answer held no bulleted lessons' : result.reason}; keeping the previous list`,
        });
    } catch (error) {
      bus.emit('run:warning', {
        runId,
        message: `meta-recommendations: ${coerceError(error).message}; keeping the previous list`,
      });
    }
  }
}
