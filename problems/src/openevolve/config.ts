// Reads an OpenEvolve config.yaml and maps what has a meaning in adrs; everything else is listed as unused.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../../core/errors.js';

/** The part of an OpenEvolve config that adrs uses, in adrs terms (merged into the run config by the orchestrator). */
export interface OpenEvolveSettings {
  iterations?: number;
  models?: { name: string; weight: number; apiBase?: string }[];
  apiBase?: string;
  temperature?: number;
  maxTokens?: number;
  systemMessage?: string;
  islands?: number;
  populationSize?: number;
  archiveSize?: number;
  migrationInterval?: number;
  migrationRate?: number;
  explorationRatio?: number;
  exploitationRatio?: number;
  featureDimensions?: string[];
  featureBins?: number;
  evaluatorTimeoutS?: number;
  cascade?: boolean;
  cascadeThresholds?: number[];
  parallelEvaluations?: number;
  editMode?: 'diff' | 'rewrite';
  randomSeed?: number;
}

export interface MappedConfig {
  settings: OpenEvolveSettings;
  /** Dotted keys present in config.yaml that adrs does not use (reported in one warning). */
  unused: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys we read, by dotted path -> setter. */
const MAPPERS: Record<string, (s: OpenEvolveSettings, v: unknown, file: string) => void> = {
  max_iterations: (s, v, f) => (s.iterations = int(v, f, 'max_iterations')),
  random_seed: (s, v, f) => (s.randomSeed = int(v, f, 'random_seed')),
  diff_based_evolution: (s, v) => (s.editMode = v === false ? 'rewrite' : 'diff'),
  'llm.models': (s, v, f) => (s.models = models(v, f)),
  'llm.primary_model': (s, v) =>
    (s.models = [{ name: String(v), weight: 1 }, ...(s.models ?? []).filter((m) => m.name !== String(v))]),
  'llm.api_base': (s, v) => (s.apiBase = String(v)),
  'llm.temperature': (s, v, f) => (s.temperature = num(v, f, 'llm.temperature')),
  'llm.max_tokens': (s, v, f) => (s.maxTokens = int(v, f, 'llm.max_tokens')),
  'prompt.system_message': (s, v) => (s.systemMessage = String(v)),
  'database.num_islands': (s, v, f) => (s.islands = int(v, f, 'database.num_islands')),
  'database.population_size': (s, v, f) => (s.populationSize = int(v, f, 'database.population_size')),
  'database.archive_size': (s, v, f) => (s.archiveSize = int(v, f, 'database.archive_size')),
  'database.migration_interval': (s, v, f) =>
    (s.migrationInterval = int(v, f, 'database.migration_interval')),
  'database.migration_rate': (s, v, f) => (s.migrationRate = num(v, f, 'database.migration_rate')),
  'database.exploration_ratio': (s, v, f) => (s.explorationRatio = num(v, f, 'database.exploration_ratio')),
  'database.exploitation_ratio': (s, v, f) =>
    (s.exploitationRatio = num(v, f, 'database.exploitation_ratio')),
  'database.feature_dimensions': (s, v) =>
    (s.featureDimensions = Array.isArray(v) ? v.map(String) : [String(v)]),
  'database.feature_bins': (s, v, f) => (s.featureBins = int(v, f, 'database.feature_bins')),
  'evaluator.timeout': (s, v, f) => (s.evaluatorTimeoutS = num(v, f, 'evaluator.timeout')),
  'evaluator.cascade_evaluation': (s, v) => (s.cascade = Boolean(v)),
  'evaluator.cascade_thresholds': (s, v, f) =>
    (s.cascadeThresholds = Array.isArray(v)
      ? v.map((x, i) => num(x, f, `evaluator.cascade_thresholds.${i}`))
      : []),
  'evaluator.parallel_evaluations': (s, v, f) =>
    (s.parallelEvaluations = int(v, f, 'evaluator.parallel_evaluations')),
};

/** Sections whose keys we read one by one; any other key under them is "unused". */
const SECTIONS = ['llm', 'prompt', 'database', 'evaluator'];

export function readOpenEvolveConfig(dir: string): MappedConfig {
  const file = path.join(dir, 'config.yaml');
  if (!existsSync(file)) return { settings: {}, unused: [] };
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(
      `${file}: not valid YAML: ${(error as Error).message.split('\n')[0]} (fix the syntax)`,
    );
  }
  if (raw === null || raw === undefined) return { settings: {}, unused: [] };
  if (!isObj(raw))
    throw new InputError(`${file}: expected a mapping at the top level (an OpenEvolve config.yaml)`);
  const settings: OpenEvolveSettings = {};
  const unused: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (SECTIONS.includes(key) && isObj(value)) {
      for (const [sub, v] of Object.entries(value)) {
        const mapper = MAPPERS[`${key}.${sub}`];
        if (mapper) mapper(settings, v, file);
        else unused.push(`${key}.${sub}`);
      }
    } else if (MAPPERS[key]) MAPPERS[key](settings, value, file);
    else unused.push(key);
  }
  return { settings, unused };
}

function num(v: unknown, file: string, field: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new InputError(`${file}: field "${field}": expected a number, got ${JSON.stringify(v)}`);
  return n;
}

function int(v: unknown, file: string, field: string): number {
  const n = num(v, file, field);
  if (!Number.isInteger(n))
    throw new InputError(`${file}: field "${field}": expected a whole number, got ${n}`);
  return n;
}

function models(v: unknown, file: string): { name: string; weight: number; apiBase?: string }[] {
  if (!Array.isArray(v))
    throw new InputError(`${file}: field "llm.models": expected a list of {name, weight}`);
  return v.map((m, i) => {
    if (!isObj(m) || typeof m.name !== 'string')
      throw new InputError(`${file}: field "llm.models.${i}.name": expected a model name`);
    return {
      name: m.name,
      weight: m.weight === undefined ? 1 : num(m.weight, file, `llm.models.${i}.weight`),
      ...(typeof m.api_base === 'string' ? { apiBase: m.api_base } : {}),
    };
  });
}
