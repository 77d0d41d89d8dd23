// Mutation operators (diff edit, full rewrite of the evolvable region, crossover of two parents), chosen per
// proposal by a UCB bandit rewarded on improvement per dollar; wraps any proposer that reads ctx.operator.
import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import { improvementReward } from './bandit.js';
import type { ProposalContext, ProposalResult, Proposer } from './types.js';

export const OPERATORS = ['diff', 'rewrite', 'crossover'] as const;
export type Operator = (typeof OPERATORS)[number];

/** The task line of each operator (the goal is "raise/lower the primary metric ..."). */
export function operatorTask(op: Operator, goal: string): string {
  switch (op) {
    case 'diff':
      return `Propose one focused, local improvement to the program that will ${goal} while keeping it correct: change a few lines where the time or the weakness is, and leave the rest as it is.`;
    case 'rewrite':
      return `Rewrite the evolvable region as a whole to ${goal} while keeping it correct: a different algorithm or data layout, not a small tweak. Small local edits have been tried; aim for a larger step.`;
    case 'crossover':
      return `Combine the current program with Inspiration 1 (the second parent above) to ${goal} while keeping it correct: keep the best idea of each and write the evolvable region that joins them.`;
  }
}

/** The edit format an operator asks for. */
export const modeOf = (op: Operator): 'diff' | 'rewrite' => (op === 'diff' ? 'diff' : 'rewrite');

interface Arm {
  pulls: number;
  rewardSum: number;
  costSum: number;
}
const stateSchema = z.object({
  arms: z.record(z.string(), z.object({ pulls: z.number(), rewardSum: z.number(), costSum: z.number() })),
  open: z.record(z.string(), z.object({ op: z.enum(OPERATORS), costUsd: z.number() })),
  inner: z.unknown().optional(),
});

export interface OperatorOptions {
  /** Weight of the UCB exploration term. */
  exploration: number;
  /** Relative improvement at which the reward saturates (as the model bandit). */
  rewardClip: number;
}

/**
 * Chooses an operator per proposal: UCB over improvement per dollar (reward sum / cost sum, scaled by the best
 * arm's), untried operators first; crossover only when there is a second parent. The outcome comes back
 * through observe() by iteration; a rejected or failed proposal rewards 0 but still costs.
 */
export class OperatorProposer implements Proposer {
  readonly name: string;
  readonly model: string | null;
  private arms: Record<string, Arm> = {};
  /** Iteration -> the operator (and spend) of its last proposal, until the outcome arrives. */
  private open: Record<string, { op: Operator; costUsd: number }> = {};
  /** The inner proposer's summary call (meta-recommendations), when it has one. */
  readonly summarise?: Proposer['summarise'];

  constructor(
    private readonly inner: Proposer,
    private readonly opts: OperatorOptions = { exploration: 0.5, rewardClip: 0.5 },
  ) {
    this.name = inner.name;
    this.model = inner.model;
    if (inner.summarise) this.summarise = (request) => inner.summarise!(request);
    for (const op of OPERATORS) this.arms[op] = { pulls: 0, rewardSum: 0, costSum: 0 };
  }

  get prices(): Record<string, unknown> | undefined {
    return this.inner.prices;
  }

  preflight(): Promise<void> {
    return this.inner.preflight?.() ?? Promise.resolve();
  }

  /** UCB value of each operator among `among` (untried: Infinity). */
  values(among: readonly Operator[] = OPERATORS): Record<string, number> {
    const perDollar = (a: Arm): number => (a.costSum > 0 ? a.rewardSum / a.costSum : a.rewardSum > 0 ? 1 : 0);
    const top = Math.max(0, ...among.map((op) => perDollar(this.arms[op]!)));
    const total = among.reduce((n, op) => n + this.arms[op]!.pulls, 0);
    const out: Record<string, number> = {};
    for (const op of among) {
      const a = this.arms[op]!;
      out[op] =
        a.pulls === 0
          ? Infinity
          : (top > 0 ? perDollar(a) / top : 0) +
            this.opts.exploration * Math.sqrt((2 * Math.log(total)) / a.pulls);
    }
    return out;
  }

  choose(random: () => number, crossoverPossible: boolean): Operator {
    const among = OPERATORS.filter((op) => op !== 'crossover' || crossoverPossible);
    const v = this.values(among);
    const best = Math.max(...among.map((op) => v[op]!));
    const tied = among.filter((op) => v[op] === best);
    return tied[Math.min(tied.length - 1, Math.floor(random() * tied.length))]!;
  }

  async propose(ctx: ProposalContext): Promise<ProposalResult> {
    const op = this.choose(ctx.random, ctx.inspirations.length > 0);
    const result = await this.inner.propose({ ...ctx, operator: op });
    const arm = this.arms[op]!;
    arm.pulls++;
    arm.costSum += result.costUsd;
    this.open[String(ctx.iteration)] = { op, costUsd: result.costUsd };
    return { ...result, edit: { ...result.edit, operator: op } };
  }

  observe(o: Parameters<NonNullable<Proposer['observe']>>[0]): void {
    this.inner.observe?.(o);
    if (o.iteration === undefined) return;
    const pending = this.open[String(o.iteration)];
    if (!pending) return;
    delete this.open[String(o.iteration)];
    this.arms[pending.op]!.rewardSum += improvementReward(o.parentScore, o.childScore, this.opts.rewardClip);
  }

  /** Pulls and rewards per operator (for tests and reports). */
  stats(): Record<string, Arm> {
    return structuredClone(this.arms);
  }

  getState(): unknown {
    return { arms: this.arms, open: this.open, inner: this.inner.getState?.() };
  }

  setState(raw: unknown): void {
    const parsed = stateSchema.safeParse(raw);
    if (!parsed.success)
      throw new InputError('saved operator bandit state is malformed (start a new run or fix the run state)');
    this.arms = { ...this.arms, ...parsed.data.arms };
    this.open = parsed.data.open;
    if (parsed.data.inner !== undefined) this.inner.setState?.(parsed.data.inner);
  }
}
