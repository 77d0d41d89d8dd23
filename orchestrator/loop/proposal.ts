// Proposal: picks a parent (the population's sampling), asks the proposer, stores the candidate with its LLM
// calls, and keeps the recent attempts later prompts see. A failed proposal is stored as data, never thrown.
import { createTwoFilesPatch } from 'diff';
import { coerceError } from '../../core/errors.js';
import { duplicateNote, NoveltyIndex } from '../population/novelty.js';
import { EmbeddingNovelty, type EmbeddingVerdict } from './novelty-embeddings.js';
import type { AttemptView, EditRecord, ParentView, ProposalResult } from '../proposers/types.js';
import type { CandidateRow } from '../store/types.js';
import { pendingOf, type LoopContext, type Pending } from './loop-context.js';
import type { RunPersistence } from './persistence.js';
import { attemptOf } from './program-views.js';
import { FailureStreak } from './failure-streak.js';
import { MetaRecommendations } from './meta-recommendations.js';
import { TASK_VARIANTS } from '../prompts/variants.js';
import { recordLlmCall } from './record-llm-call.js';
import type { Scheduler } from './scheduler.js';

/** The last `size` finished attempts, oldest first. */
export class History {
  private readonly items: AttemptView[];

  constructor(
    private readonly size: number,
    initial: AttemptView[] = [],
  ) {
    this.items = initial.slice(-size);
  }

  push(attempt: AttemptView): void {
    this.items.push(attempt);
    if (this.items.length > this.size) this.items.shift();
  }

  snapshot(): AttemptView[] {
    return [...this.items];
  }
}

export class Proposal {
  /** A doomed run (the same provider error again and again, or a long outage) stops instead of burning iterations. */
  private readonly streak: FailureStreak;
  private novelty: NoveltyIndex | undefined;
  /** The embeddings (and judge) check after the token check, when novelty.embeddings is set. */
  private readonly embeddings: EmbeddingNovelty | undefined;
  private readonly meta: MetaRecommendations;

  constructor(
    private readonly ctx: LoopContext,
    private readonly run: RunPersistence,
    private readonly scheduler: Scheduler,
    readonly history: History,
    /** Emits run:progress (a failed proposal is a finished iteration). */
    private readonly progress: () => void,
  ) {
    this.streak = new FailureStreak(ctx.config);
    this.meta = new MetaRecommendations(ctx, run);
    if (ctx.config.novelty.enabled && ctx.config.novelty.embeddings)
      this.embeddings = new EmbeddingNovelty(ctx);
  }

  /** Rebuilds the history from the store (on resume). */
  static historyFrom(ctx: LoopContext, run: RunPersistence): History {
    const rows = ctx.store
      .listCandidates(ctx.runId)
      .filter((r) => r.iteration !== 0 && r.status !== 'pending')
      .slice(-ctx.config.historySize);
    return new History(
      ctx.config.historySize,
      rows.map((r) => attemptOf(r, r.parent_id ? (run.db.get(r.parent_id)?.score ?? null) : null)),
    );
  }

  /** One proposal; resolves to the stored candidate to evaluate, or undefined (failed, rejected, or interrupted). */
  async proposeOne(): Promise<Pending | undefined> {
    const { ctx, run } = this;
    const { store, problem, proposer, bus, runId } = ctx;
    const iteration = this.scheduler.take();
    run.iterationsStarted = this.scheduler.started;
    await this.meta.maybeUpdate();
    const db = run.db;
    const pick = ctx.config.strategy === 'best-of-n' ? db.selectSeed() : db.select();
    const parent = ctx.views.parent(pick.parentId);
    const parentEntry = db.get(pick.parentId);
    const novelty = ctx.config.novelty.enabled ? this.noveltyIndex() : undefined;
    let retryNote: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const { result, llmIds } = await this.ask(iteration, parent, pick.inspirationIds, retryNote);
      if (!result.ok && ctx.signal?.aborted) {
        // Interrupted: nothing to keep but the spend; the iteration is proposed again on resume.
        run.state.spentUsd += result.costUsd;
        run.save();
        return undefined;
      }
      const doomed = this.streak.observe(result);
      if (doomed) this.scheduler.fatalProposal(doomed);
      const files = result.ok ? { ...parent.files, ...result.files } : parent.files;
      const members = db.island(pick.island)?.members ?? [pick.parentId];
      const local = result.ok ? novelty?.check(pick.island, members, files) : undefined;
      let match: NonNullable<EditRecord['novelty']> | undefined = local
        ? { ...local, check: 'tokens' }
        : undefined;
      let deep: EmbeddingVerdict | undefined;
      if (result.ok && novelty && !match && this.embeddings) {
        deep = await this.embeddings.check(files, novelty.pool(pick.island, members), (id) =>
          ctx.views.filesOf(id),
        );
        match = deep.rejected;
      }
      const last =
        match !== undefined && (attempt >= ctx.config.novelty.retries || ctx.signal?.aborted === true);
      const edit: EditRecord = match
        ? {
            ...result.edit,
            summary: `rejected: near-duplicate of ${match.duplicateOf} (${rejectionText(match)}): ${result.edit.summary}`,
            novelty: match,
          }
        : deep?.rescued
          ? { ...result.edit, noveltyRescue: deep.rescued }
          : result.edit;
      const status = match ? 'duplicate' : result.ok ? 'pending' : 'proposal-failed';
      const row: CandidateRow = store.transaction(() => {
        const cand = store.insertCandidate({
          runId,
          problemName: problem.spec.name,
          problemHash: problem.contentHash,
          parentId: parent.id,
          island: pick.island,
          generation: (parentEntry?.generation ?? 0) + 1,
          iteration,
          files,
          patch: patchAgainst(ctx.seedCode, files),
          proposer: result.proposer,
          model: result.model,
          edit,
          status,
        });
        store.linkLlmCalls([...llmIds, ...(deep?.callIds ?? [])], cand.id);
        // The embeddings and the judge are spend of the run whatever became of the proposal.
        run.state.spentUsd += deep?.costUsd ?? 0;
        if (status === 'pending') run.state.spentUsd += result.costUsd;
        else {
          proposer.observe?.({
            proposer: result.proposer,
            parentScore: parent.score,
            childScore: null,
            iteration,
          });
          // A rejection that is retried is spend within this iteration; the last one ends it like a failure.
          if (match && !last) run.state.spentUsd += result.costUsd;
          else run.countFailedProposal(result.costUsd);
        }
        run.save();
        return cand;
      });
      ctx.views.remember(row.id, files);
      bus.emit('candidate:proposed', {
        runId,
        candidateId: row.id,
        parentId: parent.id,
        island: pick.island,
        iteration,
        proposer: result.proposer,
        model: result.model,
        edit: edit.summary,
      });
      if (status !== 'pending') {
        this.history.push(attemptOf(row, parent.score));
        bus.emit('candidate:evaluated', {
          runId,
          candidateId: row.id,
          iteration,
          status,
          score: null,
          correct: false,
          durationMs: 0,
        });
        if (match && !last) {
          retryNote = duplicateNote(match, parent.id);
          continue;
        }
        if (!result.ok && result.fatal) this.scheduler.fatalProposal(result.reason);
        this.progress();
        return undefined;
      }
      novelty?.accept(pick.island, row.id, files);
      return pendingOf(row, files);
    }
  }

  /** Asks the proposer once; a thrown error becomes a failed result. Emits the proposer's warnings. */
  private async ask(
    iteration: number,
    parent: ParentView,
    inspirationIds: string[],
    retryNote: string | undefined,
  ): Promise<{ result: ProposalResult; llmIds: number[] }> {
    const { problem, proposer, bus, runId } = this.ctx;
    const db = this.run.db;
    const callIds: number[] = [];
    let result: ProposalResult;
    try {
      result = await proposer.propose({
        runId,
        iteration,
        problem,
        parent,
        inspirations: inspirationIds.map((id) => this.ctx.views.program(id)),
        history: this.history.snapshot(),
        random: () => db.random(),
        recordCall: (call) => recordLlmCall(this.ctx, call, callIds),
        templates: this.ctx.templates,
        signal: this.ctx.signal,
        notify: (message) => bus.emit('run:warning', { runId, message }),
        ...(retryNote ? { retryNote } : {}),
        ...(this.meta.current().length > 0 ? { recommendations: this.meta.current() } : {}),
        ...(this.ctx.config.promptVariants
          ? { variant: Math.floor(db.random() * TASK_VARIANTS.length) }
          : {}),
      });
    } catch (error) {
      const message = coerceError(error).message;
      result = {
        ok: false,
        reason: `proposer error: ${message}`,
        edit: { kind: 'none', outcome: 'failed', summary: `proposer error: ${message}` },
        proposer: proposer.name,
        model: proposer.model,
        costUsd: 0,
        llmCallIds: [],
      };
    }
    // The proposer's warnings (e.g. the prompt was trimmed to the model's context window) reach the run's views.
    for (const message of result.warnings ?? []) bus.emit('run:warning', { runId, message });
    return { result, llmIds: [...new Set([...callIds, ...result.llmCallIds])] };
  }

  /** The novelty index, built on first use from the run's stored candidates (so a resumed run compares the same). */
  private noveltyIndex(): NoveltyIndex {
    if (this.novelty) return this.novelty;
    const index = new NoveltyIndex(this.ctx.config.novelty.threshold, (id) => this.ctx.views.filesOf(id));
    for (const r of this.ctx.store.listCandidates(this.ctx.runId))
      if (r.island !== null && r.status !== 'duplicate' && r.status !== 'proposal-failed')
        index.accept(r.island, r.id);
    this.novelty = index;
    return index;
  }
}

/** How a rejection was decided, for its summary: the check and the similarity (and the judge's reason). */
function rejectionText(m: NonNullable<EditRecord['novelty']>): string {
  if (m.check === 'embedding') return `embedding similarity ${m.similarity.toFixed(4)}`;
  if (m.check === 'judge')
    return `embedding similarity ${m.similarity.toFixed(4)}; judge: ${m.reason ?? 'not novel'}`;
  return `similarity ${m.similarity.toFixed(3)}`;
}

/** Unified diff of the evolved files against the seed. */
export function patchAgainst(seed: Record<string, string>, files: Record<string, string>): string {
  return Object.keys(files)
    .sort()
    .filter((f) => seed[f] !== files[f])
    .map((f) => createTwoFilesPatch(`a/${f}`, `b/${f}`, seed[f] ?? '', files[f] ?? ''))
    .join('');
}
