// Picks and builds the run's proposer from the config and environment: an LLM provider, an ensemble, or the tuner.
import { InputError } from '../../core/errors.js';
import { findKnobs } from '../knobs/files.js';
import type { RunConfig } from '../config/run-config.js';
import { createProposer } from '../proposers/index.js';
import { createTuneProposer } from '../proposers/tune.js';
import type { Proposer } from '../proposers/types.js';
import type { Sandbox } from '../../sandboxes/types.js';
import { OperatorProposer } from '../proposers/operators.js';

/**
 * The proposer to use: the configured one; else the `--model provider:` prefix; else by API key in the
 * environment; else the tuner when the seed declares knobs. Otherwise an InputError saying how to configure one.
 */
export function chooseProposer(
  config: RunConfig,
  env: NodeJS.ProcessEnv,
  seedFiles: Record<string, string>,
): NonNullable<RunConfig['proposer']> {
  if (config.proposer) return config.proposer;
  if (config.models?.length) return 'ensemble';
  const prefix = /^(anthropic|openai):/.exec(config.model ?? '')?.[1];
  if (prefix === 'anthropic' || prefix === 'openai') return prefix;
  if (env.ANTHROPIC_API_KEY) return 'anthropic';
  if (env.OPENAI_API_KEY || config.baseUrl) return 'openai';
  if (findKnobs(seedFiles).length > 0) return 'tune';
  throw new InputError(
    'no model configured: set ANTHROPIC_API_KEY (or OPENAI_API_KEY, or --base-url URL with --model NAME for a local OpenAI-compatible server), or use a problem with @knob declarations for --proposer tune',
  );
}

const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The proposers module's config (kind-tagged) for a run config. */
export function proposerConfigOf(c: RunConfig): Record<string, unknown> {
  const llm = (model: string | undefined, baseUrl: string | undefined) =>
    defined({
      model: model?.replace(/^(anthropic|openai):/, ''),
      baseURL: baseUrl,
      temperature: c.temperature,
      maxOutputTokens: c.maxTokens,
      contextTokens: c.contextTokens,
      mode: c.editMode,
      prices: c.prices,
    });
  switch (c.proposer) {
    case 'tune':
      return { kind: 'tune' };
    case 'openai':
      if (!c.model)
        throw new InputError('--proposer openai needs --model NAME (the model the server serves)');
      return { kind: 'openai', ...llm(c.model, c.baseUrl), ...defined({ tokenParam: c.tokenParam }) };
    case 'ensemble':
      if (!c.models?.length)
        throw new InputError(
          '--proposer ensemble needs `models:` in the --config file (proposer, model, weight each)',
        );
      return {
        kind: 'ensemble',
        strategy: c.ensembleMode,
        prices: c.prices,
        members: c.models.map((m) =>
          m.proposer === 'tune'
            ? { kind: 'tune', weight: m.weight }
            : { kind: m.proposer, weight: m.weight, ...llm(m.model, m.baseUrl) },
        ),
      };
    case 'agent':
      return {
        kind: 'agent',
        ...defined({ model: c.model?.replace(/^anthropic:/, ''), baseURL: c.baseUrl }),
      };
    case 'anthropic':
    case undefined:
      return { kind: 'anthropic', ...llm(c.model, c.baseUrl) };
  }
}

/** Builds the proposer; agent mode needs the run's sandbox (its tools run there). */
export async function makeProposer(
  config: RunConfig,
  env: NodeJS.ProcessEnv,
  sandbox?: Sandbox,
): Promise<Proposer> {
  if (config.proposer === 'tune') return createTuneProposer();
  if (config.proposer === 'agent') {
    if (!sandbox) throw new InputError('--proposer agent needs a sandbox for its tools');
    const { createAgentProposer } = await import('../agent/index.js');
    const { kind: _kind, ...agentConfig } = proposerConfigOf(config);
    return createAgentProposer(agentConfig, { sandbox, env, prices: config.prices });
  }
  const proposer = await createProposer(proposerConfigOf(config), { env });
  return config.operators ? new OperatorProposer(proposer) : proposer;
}
