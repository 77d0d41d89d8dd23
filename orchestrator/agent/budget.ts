// The agent's budget in steps, tokens and dollars; a stop reason once one runs out.
import type { TokenUsage } from '../proposers/prices.js';

export interface AgentBudgetLimits {
  /** Model turns (each may call several tools). */
  maxSteps: number;
  /** Input + output tokens over the whole attempt (cached reads count). */
  maxTokens: number;
  maxUsd: number;
}

export const DEFAULT_AGENT_BUDGET: AgentBudgetLimits = { maxSteps: 40, maxTokens: 1_500_000, maxUsd: 3 };

export class AgentBudget {
  steps = 0;
  tokens = 0;
  usd = 0;

  constructor(readonly limits: AgentBudgetLimits) {}

  charge(usage: TokenUsage, usd: number): void {
    this.steps++;
    this.tokens += usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
    this.usd += usd;
  }

  /** Why no further step may start, or undefined. */
  exhausted(): string | undefined {
    if (this.steps >= this.limits.maxSteps) return `step budget reached (${this.limits.maxSteps} steps)`;
    if (this.tokens >= this.limits.maxTokens)
      return `token budget reached (${this.tokens} of ${this.limits.maxTokens})`;
    if (this.usd >= this.limits.maxUsd)
      return `dollar budget reached ($${this.usd.toFixed(2)} of $${this.limits.maxUsd})`;
    return undefined;
  }
}
