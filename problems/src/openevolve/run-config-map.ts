// Maps the OpenEvolve settings of a config.yaml onto adrs run-config keys (the lowest layer: --config and flags win).
import type { OpenEvolveSettings } from './config.js';

/**
 * OpenEvolve talks to every model through an OpenAI-compatible API; a Claude model without an api_base goes to
 * Anthropic's own API here, since that is what such a name means to adrs.
 */
function proposerFor(name: string, apiBase: string | undefined): 'anthropic' | 'openai' {
  return !apiBase && /^claude/i.test(name) ? 'anthropic' : 'openai';
}

/** A partial run config (plain object, validated with the rest by the run-config schema). */
export function openEvolveRunConfig(s: OpenEvolveSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  const models = s.models ?? [];
  if (models.length === 1) {
    const m = models[0]!;
    const base = m.apiBase ?? s.apiBase;
    set('proposer', proposerFor(m.name, base));
    set('model', m.name);
    set('baseUrl', base);
  } else if (models.length > 1) {
    set('proposer', 'ensemble');
    set(
      'models',
      models.map((m) => {
        const base = m.apiBase ?? s.apiBase;
        return {
          proposer: proposerFor(m.name, base),
          model: m.name,
          weight: m.weight,
          ...(base ? { baseUrl: base } : {}),
        };
      }),
    );
  } else set('baseUrl', s.apiBase);
  set('iterations', s.iterations);
  set('seed', s.randomSeed);
  set('temperature', s.temperature);
  set('maxTokens', s.maxTokens);
  set('editMode', s.editMode);
  set('islands', s.islands);
  set('archiveSize', s.archiveSize);
  // OpenEvolve's population_size caps the whole population; adrs caps each island.
  if (s.populationSize !== undefined)
    set('islandCapacity', Math.max(1, Math.floor(s.populationSize / (s.islands ?? 5))));
  set('evalConcurrency', s.parallelEvaluations);
  if (s.featureDimensions?.length || s.featureBins !== undefined)
    out.mapElites = {
      ...(s.featureDimensions?.length ? { dims: s.featureDimensions } : {}),
      ...(s.featureBins !== undefined ? { bins: s.featureBins } : {}),
    };
  if (s.migrationInterval !== undefined || s.migrationRate !== undefined)
    out.migration = {
      ...(s.migrationInterval !== undefined ? { interval: s.migrationInterval } : {}),
      ...(s.migrationRate !== undefined && s.migrationRate > 0
        ? { fraction: Math.min(1, s.migrationRate) }
        : {}),
    };
  if (s.explorationRatio !== undefined || s.exploitationRatio !== undefined) {
    const exploration = s.explorationRatio ?? 0.2;
    const exploitation = s.exploitationRatio ?? 0.7;
    out.selection = { exploration, exploitation, fitness: Math.max(0, 1 - exploration - exploitation) };
  }
  if (s.numTopPrograms !== undefined || s.numDiversePrograms !== undefined)
    out.inspirations = {
      ...(s.numTopPrograms !== undefined ? { top: s.numTopPrograms } : {}),
      ...(s.numDiversePrograms !== undefined ? { diverse: s.numDiversePrograms } : {}),
    };
  return out;
}

/** Flags that choose the model replace the config.yaml's model choice as a whole (not key by key). */
export function dropModelChoice(base: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...base };
  for (const k of ['proposer', 'model', 'baseUrl', 'models']) delete rest[k];
  return rest;
}
