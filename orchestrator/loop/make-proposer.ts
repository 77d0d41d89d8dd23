// Picks and builds the run's proposer from the config and environment: an LLM provider, an ensemble, or the tuner.
import { InputError } from '../../core/errors.js';
import { findKnobs } from '../knobs/files.js';
import type { RunConfig } from '../config/run-config.js';
import { createTuneProposer } from '../proposers/tune.js';
import type { Proposer } from '../proposers/types.js';

/** The proposer to use: the configured one; else by API key in the environment; else the tuner when the seed has knobs. */
export function chooseProposer(
  config: RunConfig,
  env: NodeJS.ProcessEnv,
  seedFiles: Record<string, string>,
): NonNullable<RunConfig['proposer']> {
  if (config.proposer) return config.proposer;
  if (config.models?.length) return 'ensemble';
  if (env.ANTHROPIC_API_KEY) return 'anthropic';
  if (env.OPENAI_API_KEY || config.baseUrl) return 'openai';
  if (findKnobs(seedFiles).length > 0) return 'tune';
  throw new InputError(
    'no model configured: set ANTHROPIC_API_KEY (or OPENAI_API_KEY, or --base-url URL for a local OpenAI-compatible server), or pass --proposer tune for a problem with @knob declarations',
  );
}

interface ProposerFactoryModule {
  createProposer(config: RunConfig, deps?: { env?: NodeJS.ProcessEnv }): Proposer | Promise<Proposer>;
}

export async function makeProposer(config: RunConfig, env: NodeJS.ProcessEnv): Promise<Proposer> {
  if (config.proposer === 'tune') return createTuneProposer();
  // The LLM proposers live in proposers/index.ts; loaded lazily so the tuner path never loads the SDKs.
  const specifier = '../proposers/index.js';
  let mod: ProposerFactoryModule;
  try {
    mod = (await import(specifier)) as ProposerFactoryModule;
  } catch (error) {
    throw new InputError(
      `--proposer ${config.proposer}: not available in this build (${(error as Error).message})`,
    );
  }
  return await mod.createProposer(config, { env });
}
