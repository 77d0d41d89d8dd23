// The run settings a peer folder brings (OpenEvolve's config.yaml), as the lowest layer under --config and the flags.
import { InputError } from '../../core/errors.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import { dropModelChoice, openEvolveRunConfig } from '../../problems/src/openevolve/run-config-map.js';

/**
 * Refuses a config.yaml with a problem in it (evolve needs its settings), warns once about keys adrs does not use,
 * and returns the mapped settings. A flag that picks the model (--model, --proposer, --base-url) replaces the
 * config's model choice whole: a config's model list mixed with a flag's model would be neither.
 */
export function peerRunConfig(
  problem: LoadedProblem,
  flags: { model?: string; proposer?: string; baseUrl?: string },
  warn: (line: string) => void,
): Record<string, unknown> | undefined {
  const origin = problem.origin;
  if (origin?.kind !== 'openevolve') return undefined;
  const { settings, unused, errors } = origin.config;
  if (errors.length) throw new InputError(errors[0]!);
  if (unused.length) warn(`config.yaml: not used by adrs: ${unused.join(', ')}`);
  const base = openEvolveRunConfig(settings);
  return flags.model || flags.proposer || flags.baseUrl ? dropModelChoice(base) : base;
}
