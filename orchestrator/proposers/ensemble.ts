// Several proposers behind one: a weighted random pick, or a cost-aware UCB bandit; state serialisable for resume.
import { z } from 'zod';
import { coerceError, InputError } from '../../core/errors.js';
import { CostAwareUcb, improvementReward, type BanditOptions, type BanditState } from './bandit.js';
import type { ProposalContext, ProposalResult, Proposer, SummaryRequest, SummaryResult } from './types.js';

export interface EnsembleMember {
  name: string;
  weight: number;
  proposer: Proposer;
}

/** What the loop reports back once a proposal's candidate has been evaluated. */
export interface ProposalOutcome {
  /** `result.proposer` of the proposal (the member's name). */
  proposer: string;
  parentScore: number | null;
  /** The child's score; null when it failed or was incorrect. */
  childScore: number | null;
}

export interface EnsembleState {
  strategy: 'weighted' | 'bandit';
  bandit: BanditState;
  disabled: string[];
}

const stateSchema = z.object({
  strategy: z.enum(['weighted', 'bandit']),
  bandit: z.unknown(),
  disabled: z.array(z.string()),
});

export class EnsembleProposer implements Proposer {
  readonly model = null;
  private readonly bandit: CostAwareUcb;
  private disabled = new Set<string>();

  constructor(
    readonly name: string,
    readonly strategy: 'weighted' | 'bandit',
    readonly members: EnsembleMember[],
    private readonly opts: BanditOptions,
  ) {
    this.bandit = new CostAwareUcb(
      members.map((m) => m.name),
      opts,
    );
  }

  /** Checks every member that can be checked (Models API); the first fatal problem is thrown. */
  async preflight(): Promise<void> {
    for (const m of this.members) {
      const p = m.proposer;
      if (p.preflight) await p.preflight();
    }
  }

  private pick(random: () => number): EnsembleMember {
    const live = this.members.filter((m) => !this.disabled.has(m.name));
    if (this.strategy === 'bandit') {
      const name = this.bandit.choose(
        random,
        live.map((m) => m.name),
      );
      return live.find((m) => m.name === name)!;
    }
    const total = live.reduce((s, m) => s + m.weight, 0);
    let r = random() * total;
    for (const m of live) if ((r -= m.weight) < 0) return m;
    return live[live.length - 1]!;
  }

  async propose(ctx: ProposalContext): Promise<ProposalResult & { warnings?: string[] }> {
    const member = this.pick(ctx.random);
    let result: ProposalResult & { warnings?: string[] };
    try {
      result = { ...(await member.proposer.propose(ctx)), proposer: member.name };
    } catch (error) {
      const reason = `${member.name}: ${coerceError(error).message}`;
      result = {
        ok: false,
        reason,
        edit: { kind: 'none', outcome: 'failed', summary: reason },
        proposer: member.name,
        model: member.proposer.model,
        costUsd: 0,
        llmCallIds: [],
      };
    }
    this.bandit.recordPull(member.name, result.costUsd);
    // The same error from another member is another error: the loop stops only on one member's repeated failure.
    if (!result.ok && result.failure)
      result = { ...result, failure: { ...result.failure, key: `${member.name}|${result.failure.key}` } };
    if (!result.ok && result.fatal) {
      const others = this.members.filter((m) => m.name !== member.name && !this.disabled.has(m.name));
      if (others.length > 0) {
        this.disabled.add(member.name);
        const warnings = [
          ...(result.warnings ?? []),
          `${this.name}: member ${member.name} disabled for this run: ${result.reason}`,
        ];
        return { ...result, fatal: false, warnings };
      }
    }
    return result;
  }

  /** Feeds the bandit: call once per evaluated proposal (harmless for the weighted strategy). */
  observe(outcome: ProposalOutcome): void {
    if (!this.members.some((m) => m.name === outcome.proposer)) return;
    this.bandit.recordReward(
      outcome.proposer,
      improvementReward(outcome.parentScore, outcome.childScore, this.opts.rewardClip),
    );
  }

  /** JSON-safe state for the run's state_json, so a resumed run picks as the original would. */
  getState(): EnsembleState {
    return { strategy: this.strategy, bandit: this.bandit.getState(), disabled: [...this.disabled] };
  }

  setState(raw: unknown): void {
    const parsed = stateSchema.safeParse(raw);
    if (!parsed.success)
      throw new InputError('saved ensemble state is malformed (start a new run or fix the run state)');
    this.bandit.setState(parsed.data.bandit);
    this.disabled = new Set(parsed.data.disabled.filter((n) => this.members.some((m) => m.name === n)));
  }

  /** The summary call goes to the first live member with a model (the tuner has none). */
  async summarise(request: SummaryRequest): Promise<SummaryResult> {
    const member = this.members.find((m) => !this.disabled.has(m.name) && m.proposer.summarise !== undefined);
    if (!member?.proposer.summarise) return { ok: false, reason: 'no member with a model', costUsd: 0 };
    return member.proposer.summarise(request);
  }

  /** The members' models that have no known price. */
  unpriced(): string[] {
    return [...new Set(this.members.flatMap((m) => m.proposer.unpriced?.() ?? []))];
  }

  /** The price tables of the LLM members, merged (the loop records it with the run). */
  get prices(): Record<string, unknown> {
    return Object.assign({}, ...this.members.map((m) => m.proposer.prices ?? {})) as Record<string, unknown>;
  }

  /** Current UCB values per member (for the CLI/web "model posterior" panel). */
  values(): Record<string, number> {
    return this.bandit.values();
  }
}
