// A cost-aware UCB bandit over proposers: reward = clipped relative score improvement over the parent, minus a cost penalty.
import { z } from 'zod';
import { InputError } from '../../core/errors.js';

export interface ArmState {
  /** Proposals made with this arm. */
  pulls: number;
  /** Proposals whose outcome (reward) came back. */
  observed: number;
  rewardSum: number;
  costSum: number;
}

export interface BanditOptions {
  costPenalty: number;
  exploration: number;
  rewardClip: number;
}

const stateSchema = z.object({
  arms: z.record(
    z.string(),
    z.object({
      pulls: z.number().min(0),
      observed: z.number().min(0),
      rewardSum: z.number(),
      costSum: z.number().min(0),
    }),
  ),
});
export type BanditState = z.infer<typeof stateSchema>;

/** Reward in [0, 1]: relative improvement of the child over the parent, clipped at `clip`; failures give 0. */
export function improvementReward(
  parentScore: number | null,
  childScore: number | null,
  clip: number,
): number {
  if (childScore === null || !Number.isFinite(childScore)) return 0;
  if (parentScore === null || !Number.isFinite(parentScore)) return 1;
  const rel = (childScore - parentScore) / Math.max(Math.abs(parentScore), 1e-9);
  return Math.min(Math.max(rel, 0), clip) / clip;
}

export class CostAwareUcb {
  private arms: Record<string, ArmState> = {};

  constructor(
    readonly names: readonly string[],
    private readonly opts: BanditOptions,
  ) {
    for (const n of names) this.arms[n] = { pulls: 0, observed: 0, rewardSum: 0, costSum: 0 };
  }

  private arm(name: string): ArmState {
    return (this.arms[name] ??= { pulls: 0, observed: 0, rewardSum: 0, costSum: 0 });
  }

  /** UCB value of each arm (untried arms: Infinity). */
  values(among: readonly string[] = this.names): Record<string, number> {
    const total = among.reduce((n, a) => n + this.arm(a).pulls, 0);
    const meanCost = (a: ArmState): number => (a.pulls ? a.costSum / a.pulls : 0);
    const maxCost = Math.max(0, ...among.map((n) => meanCost(this.arm(n))));
    const out: Record<string, number> = {};
    for (const name of among) {
      const a = this.arm(name);
      if (a.pulls === 0) {
        out[name] = Infinity;
        continue;
      }
      const reward = a.observed ? a.rewardSum / a.observed : 0;
      const cost = maxCost > 0 ? meanCost(a) / maxCost : 0;
      out[name] =
        reward -
        this.opts.costPenalty * cost +
        this.opts.exploration * Math.sqrt((2 * Math.log(total)) / a.pulls);
    }
    return out;
  }

  /** The arm with the highest UCB value among `among`; ties broken with `random`. */
  choose(random: () => number, among: readonly string[] = this.names): string {
    const v = this.values(among);
    const best = Math.max(...among.map((n) => v[n]!));
    const tied = among.filter((n) => v[n] === best);
    return tied[Math.min(tied.length - 1, Math.floor(random() * tied.length))]!;
  }

  recordPull(name: string, costUsd: number): void {
    const a = this.arm(name);
    a.pulls++;
    a.costSum += costUsd;
  }

  recordReward(name: string, reward: number): void {
    const a = this.arm(name);
    a.observed++;
    a.rewardSum += reward;
  }

  getState(): BanditState {
    return { arms: structuredClone(this.arms) };
  }

  /** Restores a state written by getState (validated: it comes back from the DB). */
  setState(raw: unknown): void {
    const parsed = stateSchema.safeParse(raw);
    if (!parsed.success)
      throw new InputError('saved bandit state is malformed (start a new run or fix the run state)');
    this.arms = {};
    for (const n of this.names) this.arm(n);
    Object.assign(this.arms, parsed.data.arms);
  }
}
