// Novelty by embeddings, after the token check: the proposal's cosine similarity to each program of its island; at or
// above the threshold an optional LLM judge may rescue it. Vectors are stored in SQLite by (model, text hash), so a
// resumed run embeds nothing twice. A failing endpoint is warned about once and the run goes on with the token check.
import { createHash } from 'node:crypto';
import { coerceError } from '../../core/errors.js';
import { createEmbedder, cosine, EMBED_BATCH, type Embedder } from '../proposers/embeddings.js';
import { createProposer } from '../proposers/index.js';
import type { EditRecord, SummaryRequest, SummaryResult } from '../proposers/types.js';
import { JUDGE_SYSTEM, judgeUserPrompt, parseVerdict, programText } from '../prompts/novelty-judge-prompt.js';
import { loadEmbedding, saveEmbedding } from '../store/embedding-rows.js';
import type { LoopContext } from './loop-context.js';
import { recordLlmCall } from './record-llm-call.js';

type Summariser = (request: SummaryRequest) => Promise<SummaryResult>;

export interface EmbeddingVerdict {
  /** Set when the proposal is rejected (by the embeddings, or by the judge after them). */
  rejected?: NonNullable<EditRecord['novelty']>;
  /** Set when the judge rescued a proposal the embeddings flagged. */
  rescued?: NonNullable<EditRecord['noveltyRescue']>;
  /** Spend of this check (embedding tokens and the judge call), in dollars. */
  costUsd: number;
  /** The llm_calls rows of this check, to link to the candidate. */
  callIds: number[];
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class EmbeddingNovelty {
  private embedder: Embedder | undefined;
  private judge: Summariser | undefined;
  private ready: Promise<void> | undefined;
  /** The endpoint failed once: the rest of the run uses the token check alone. */
  private down = false;
  /** Vectors by text hash (this session's) and by candidate id. */
  private readonly vectors = new Map<string, Float32Array>();
  private readonly byId = new Map<string, Float32Array>();

  constructor(
    private readonly ctx: LoopContext,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private get cfg() {
    return this.ctx.config.novelty;
  }

  private warn(message: string): void {
    this.ctx.bus.emit('run:warning', { runId: this.ctx.runId, message });
  }

  /** Builds the embedder and the judge once; a bad setup (no key) is one warning and the token check alone. */
  private async setup(): Promise<void> {
    const e = this.cfg.embeddings!;
    try {
      this.embedder = createEmbedder(e, this.env);
    } catch (error) {
      this.down = true;
      this.warn(`novelty embeddings off: ${coerceError(error).message}; using the token check alone`);
      return;
    }
    const j = this.cfg.judge;
    if (!j) return;
    if (!j.model) {
      const p = this.ctx.proposer;
      if (p.summarise) this.judge = (r) => p.summarise!(r);
      else this.warn(`novelty judge off: ${p.name} has no model to ask; set novelty.judge.model`);
      return;
    }
    try {
      const judge = await createProposer(
        {
          kind: j.provider ?? (/^claude-/.test(j.model) ? 'anthropic' : 'openai'),
          model: j.model,
          name: `judge:${j.model}`,
          maxOutputTokens: j.maxTokens,
          prices: this.ctx.config.prices,
          ...(j.baseUrl ? { baseURL: j.baseUrl } : {}),
          ...(j.apiKeyEnv ? { apiKeyEnv: j.apiKeyEnv } : {}),
        },
        { env: this.env },
      );
      if (judge.summarise) this.judge = (r) => judge.summarise!(r);
    } catch (error) {
      this.warn(`novelty judge off: ${coerceError(error).message}`);
    }
  }

  /** The embedding of each text (from memory, SQLite, or one request per batch of the missing ones). */
  private async embedAll(
    texts: string[],
    out: { costUsd: number; callIds: number[] },
  ): Promise<Float32Array[]> {
    const embedder = this.embedder!;
    const key = `${embedder.provider}:${embedder.model}`;
    const hashes = texts.map(sha256);
    const missing = new Map<string, string>();
    hashes.forEach((h, i) => {
      if (this.vectors.has(h)) return;
      const stored = loadEmbedding(this.ctx.store, key, h);
      if (stored) this.vectors.set(h, stored);
      else missing.set(h, texts[i]!);
    });
    const todo = [...missing];
    for (let i = 0; i < todo.length; i += EMBED_BATCH) {
      const batch = todo.slice(i, i + EMBED_BATCH);
      const started = Date.now();
      const record = (call: { ok: boolean; tokens: number; costUsd: number; error?: string }): void => {
        recordLlmCall(
          this.ctx,
          {
            provider: embedder.provider,
            model: embedder.model,
            status: call.ok ? 'ok' : 'error',
            ...(call.error ? { error: call.error } : {}),
            inputTokens: call.tokens,
            costUsd: call.costUsd,
            latencyMs: Date.now() - started,
            attempts: 1,
            prompt: { purpose: 'embed', url: embedder.url, model: embedder.model, inputs: batch.length },
          },
          out.callIds,
        );
      };
      try {
        const r = await embedder.embed(
          batch.map(([, t]) => t),
          this.ctx.signal,
        );
        record({ ok: true, tokens: r.tokens, costUsd: r.costUsd });
        out.costUsd += r.costUsd;
        this.ctx.store.transaction(() =>
          batch.forEach(([h], k) => {
            saveEmbedding(this.ctx.store, key, h, r.vectors[k]!);
            this.vectors.set(h, Float32Array.from(r.vectors[k]!));
          }),
        );
      } catch (error) {
        record({ ok: false, tokens: 0, costUsd: 0, error: coerceError(error).message });
        throw error;
      }
    }
    return hashes.map((h) => this.vectors.get(h)!);
  }

  /**
   * The embeddings' (and the judge's) verdict on a proposal against the programs `pool` of its island (ids; their
   * files through `filesOf`). Never throws: a failure of the endpoint turns this check off for the run, with one
   * warning.
   */
  async check(
    files: Record<string, string>,
    pool: readonly string[],
    filesOf: (id: string) => Record<string, string> | undefined,
  ): Promise<EmbeddingVerdict> {
    const out = { costUsd: 0, callIds: [] as number[] };
    this.ready ??= this.setup();
    await this.ready;
    if (this.down || !this.embedder || pool.length === 0) return out;
    const max = this.cfg.embeddings!.maxChars;
    const text = (f: Record<string, string>): string => programText(f).slice(0, max);
    let best: { id: string; similarity: number } | undefined;
    try {
      // Programs never change under an id: their vectors are kept by id, so a check hashes only new programs.
      const fresh = pool.filter((id) => !this.byId.has(id) && filesOf(id) !== undefined);
      const vecs = await this.embedAll([text(files), ...fresh.map((id) => text(filesOf(id)!))], out);
      fresh.forEach((id, i) => this.byId.set(id, vecs[i + 1]!));
      const mine = vecs[0]!;
      for (const id of pool) {
        const v = this.byId.get(id);
        if (!v) continue;
        const similarity = cosine(mine, v);
        if (best === undefined || similarity > best.similarity) best = { id, similarity };
      }
    } catch (error) {
      if (this.ctx.signal?.aborted) return out;
      this.down = true;
      this.warn(
        `novelty embeddings failed (${coerceError(error).message}); using the token check alone for the rest of this session`,
      );
      return out;
    }
    if (!best || best.similarity < this.cfg.embeddings!.threshold) return out;
    const similarity = Number(best.similarity.toFixed(6));
    if (!this.judge) return { ...out, rejected: { duplicateOf: best.id, similarity, check: 'embedding' } };
    return this.askJudge(files, best.id, filesOf(best.id) ?? {}, similarity, out);
  }

  private async askJudge(
    files: Record<string, string>,
    id: string,
    existing: Record<string, string>,
    similarity: number,
    out: { costUsd: number; callIds: number[] },
  ): Promise<EmbeddingVerdict> {
    const { ctx } = this;
    const flagged: EmbeddingVerdict = {
      ...out,
      rejected: { duplicateOf: id, similarity, check: 'embedding' },
    };
    let result: SummaryResult;
    try {
      result = await this.judge!({
        purpose: 'novelty-judge',
        system: JUDGE_SYSTEM,
        user: judgeUserPrompt({ existing, proposed: files, similarity }),
        recordCall: (call) => recordLlmCall(ctx, call, out.callIds),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        notify: (message) => this.warn(message),
      });
    } catch (error) {
      this.warn(`novelty judge: ${coerceError(error).message}; the embeddings' verdict stands`);
      return flagged;
    }
    out.costUsd += result.costUsd;
    const verdict = result.ok ? parseVerdict(result.text) : undefined;
    if (!verdict) {
      this.warn(
        `novelty judge: ${result.ok ? 'the answer held no {"novel": ..., "reason": ...} JSON' : result.reason}; the embeddings' verdict stands`,
      );
      return { ...flagged, costUsd: out.costUsd };
    }
    const reason = verdict.reason.replace(/\s+/g, ' ').slice(0, 300);
    return verdict.novel
      ? { ...out, rescued: { duplicateOf: id, similarity, reason } }
      : { ...out, rejected: { duplicateOf: id, similarity, check: 'judge', reason } };
  }
}
