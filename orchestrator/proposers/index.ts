// createProposer(config): the one entry point the loop uses to build a proposer; plus the public proposer API.
import type { ProposerConfig, TuneConfig } from './config.js';
import { parseProposerConfig } from './config.js';
import { EnsembleProposer, type EnsembleMember } from './ensemble.js';
import { createAnthropicProposer, createOpenAiProposer, type ProposerDeps } from './llm-factory.js';
import type { Proposer } from './types.js';

export type { ProposerDeps } from './llm-factory.js';
export { createAnthropicProposer, createOpenAiProposer } from './llm-factory.js';
export { LlmProposer, type LlmProposalResult } from './llm-proposer.js';
export { EnsembleProposer, type EnsembleState, type ProposalOutcome } from './ensemble.js';
export { LlmError } from './errors.js';
export {
  DEFAULT_PRICES,
  resolvePrices,
  priceFor,
  costUsd,
  type ModelPrice,
  type PriceTable,
} from './prices.js';
export {
  parseProposerConfig,
  configFromModelFlag,
  type ProposerConfig,
  type ProposerConfigInput,
} from './config.js';
export type * from './types.js';

/** The offline tuner is loaded only when asked for (it pulls in the search code, which the LLM proposers never need). */
async function createTune(config: TuneConfig): Promise<Proposer> {
  const { createTuneProposer } = await import('./tune.js');
  const { kind: _kind, name: _name, ...options } = config;
  return createTuneProposer(options);
}

function uniqueName(name: string, taken: Set<string>): string {
  let out = name;
  for (let k = 2; taken.has(out); k++) out = `${name}#${k}`;
  taken.add(out);
  return out;
}

async function build(config: ProposerConfig, deps: ProposerDeps): Promise<Proposer> {
  switch (config.kind) {
    case 'anthropic':
      return createAnthropicProposer(config, deps);
    case 'openai':
      return createOpenAiProposer(config, deps);
    case 'tune':
      return createTune(config);
    case 'ensemble': {
      const taken = new Set<string>();
      const memberDeps = { ...deps, prices: { ...deps.prices, ...config.prices } };
      const members: EnsembleMember[] = [];
      for (const { weight, ...member } of config.members) {
        const label = member.name ?? `${member.kind}:${'model' in member ? String(member.model) : 'default'}`;
        const name = uniqueName(label, taken);
        const proposer = await build({ ...member, name }, memberDeps);
        members.push({ name, weight, proposer });
      }
      return new EnsembleProposer(config.name, config.strategy, members, config);
    }
  }
}

/**
 * Builds a proposer from a config object (validated here: pass what the user wrote).
 * @example const p = await createProposer({ kind: 'anthropic', model: 'claude-sonnet-5' });
 */
export async function createProposer(config: unknown, deps: ProposerDeps = {}): Promise<Proposer> {
  return build(parseProposerConfig(config), deps);
}
