// Reads an OpenEvolve config.yaml and maps what has a meaning in adrs; everything else is listed as unused.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import jsYaml from 'js-yaml';

/** The part of an OpenEvolve config that adrs uses, in adrs terms (see openEvolveRunConfig for the run config). */
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
  numTopPrograms?: number;
  numDiversePrograms?: number;
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
  /**
   * Problems with config.yaml ("file: field: ..."). They never stop `adrs eval` (which needs none of these
   * settings); `adrs evolve` refuses to start on them.
   */
  errors: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A mapper throws a plain Error with the field's complaint; the reader turns it into an error line. */
type Mapper = (s: OpenEvolveSettings, v: unknown, raw: Obj) => void;

/** Keys we read, by dotted path. llm.primary_model & co are folded into `models` after the pass (as OpenEvolve does). */
const MAPPERS: Record<string, Mapper> = {
  max_iterations: (s, v) => (s.iterations = int(v)),
  random_seed: (s, v) => (v === null ? undefined : (s.randomSeed = int(v))),
  diff_based_evolution: (s, v) => (s.editMode = bool(v) ? 'diff' : 'rewrite'),
  'llm.models': (s, v) => (s.models = [...(s.models ?? []), ...models(v)]),
  'llm.primary_model': () => undefined,
  'llm.primary_model_weight': () => undefined,
  'llm.secondary_model': () => undefined,
  'llm.secondary_model_weight': () => undefined,
  'llm.api_base': (s, v) => (s.apiBase = String(v)),
  'llm.temperature': (s, v) => (s.temperature = num(v)),
  'llm.max_tokens': (s, v) => (s.maxTokens = int(v)),
  'prompt.system_message': (s, v) => (s.systemMessage = String(v)),
  'prompt.num_top_programs': (s, v) => (s.numTopPrograms = int(v)),
  'prompt.num_diverse_programs': (s, v) => (s.numDiversePrograms = int(v)),
  'database.num_islands': (s, v) => (s.islands = int(v)),
  'database.population_size': (s, v) => (s.populationSize = int(v)),
  'database.archive_size': (s, v) => (s.archiveSize = int(v)),
  'database.migration_interval': (s, v) => (s.migrationInterval = int(v)),
  'database.migration_rate': (s, v) => (s.migrationRate = num(v)),
  'database.exploration_ratio': (s, v) => (s.explorationRatio = num(v)),
  'database.exploitation_ratio': (s, v) => (s.exploitationRatio = num(v)),
  'database.feature_dimensions': (s, v) =>
    (s.featureDimensions = Array.isArray(v) ? v.map(String) : [String(v)]),
  'database.feature_bins': (s, v) => (s.featureBins = bins(v)),
  'database.random_seed': (s, v) => (v === null ? undefined : (s.randomSeed ??= int(v))),
  'evaluator.timeout': (s, v) => (s.evaluatorTimeoutS = num(v)),
  'evaluator.cascade_evaluation': (s, v) => (s.cascade = bool(v)),
  'evaluator.cascade_thresholds': (s, v) =>
    (s.cascadeThresholds = Array.isArray(v) ? v.map((x) => num(x)) : [num(v)]),
  'evaluator.parallel_evaluations': (s, v) => (s.parallelEvaluations = int(v)),
};

/** Sections whose keys we read one by one; any other key under them is "unused". */
const SECTIONS = ['llm', 'prompt', 'database', 'evaluator'];

/**
 * Parses YAML as PyYAML (which OpenEvolve uses) does for these files. The `yaml` package is strict YAML 1.2 and refuses
 * e.g. a double-quoted scalar whose continuation lines are not indented (examples/attention_optimization); js-yaml
 * accepts it with the same value as PyYAML.
 */
export function parsePeerYaml(text: string): unknown {
  return jsYaml.load(text);
}

export function readOpenEvolveConfig(dir: string): MappedConfig {
  const file = path.join(dir, 'config.yaml');
  const empty: MappedConfig = { settings: {}, unused: [], errors: [] };
  if (!existsSync(file)) return empty;
  let raw: unknown;
  try {
    raw = parsePeerYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const first = (error as Error).message.split('\n')[0];
    return { ...empty, errors: [`${file}: not valid YAML: ${first} (fix the syntax)`] };
  }
  if (raw === null || raw === undefined) return empty;
  if (!isObj(raw))
    return { ...empty, errors: [`${file}: expected a mapping at the top level (an OpenEvolve config.yaml)`] };
  const settings: OpenEvolveSettings = {};
  const unused: string[] = [];
  const errors: string[] = [];
  const apply = (key: string, value: unknown): void => {
    const mapper = MAPPERS[key];
    if (!mapper) return void unused.push(key);
    try {
      mapper(settings, value, raw);
    } catch (error) {
      errors.push(`${file}: field "${key}": ${(error as Error).message}`);
    }
  };
  for (const [key, value] of Object.entries(raw)) {
    if (SECTIONS.includes(key) && isObj(value))
      for (const [sub, v] of Object.entries(value)) apply(`${key}.${sub}`, v);
    else apply(key, value);
  }
  try {
    foldLegacyModels(settings, isObj(raw.llm) ? raw.llm : {});
  } catch (error) {
    errors.push(`${file}: field "llm": ${(error as Error).message}`);
  }
  return { settings, unused, errors };
}

/**
 * OpenEvolve's LLMConfig.__post_init__: primary_model (weight primary_model_weight or 1.0) then secondary_model (weight
 * secondary_model_weight, default 0.2; dropped when the weight is 0) are appended to `models`.
 */
function foldLegacyModels(s: OpenEvolveSettings, llm: Obj): void {
  const out = [...(s.models ?? [])];
  if (llm.primary_model) {
    const w = llm.primary_model_weight;
    out.push({
      name: modelName(llm.primary_model),
      weight: w === undefined || w === null || w === 0 ? 1 : num(w),
    });
  }
  if (llm.secondary_model) {
    const w = llm.secondary_model_weight;
    const weight = w === undefined || w === null ? 0.2 : num(w);
    if (weight > 0) out.push({ name: modelName(llm.secondary_model), weight });
  }
  if (out.length) s.models = out;
}

function num(v: unknown): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new Error(`expected a number, got ${JSON.stringify(v)}`);
  return n;
}

function int(v: unknown): number {
  const n = num(v);
  if (!Number.isInteger(n)) throw new Error(`expected a whole number, got ${n}`);
  return n;
}

function bool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  // PyYAML (YAML 1.1) reads yes/no/on/off as booleans.
  if (typeof v === 'string' && /^(yes|on|true|y)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(no|off|false|n)$/i.test(v)) return false;
  throw new Error(`expected true or false, got ${JSON.stringify(v)}`);
}

/** feature_bins is one number, or a number per dimension; adrs has one bin count, so the largest is used. */
function bins(v: unknown): number {
  if (isObj(v)) return Math.max(...Object.values(v).map((x) => int(x)));
  return int(v);
}

function models(v: unknown): { name: string; weight: number; apiBase?: string }[] {
  if (!Array.isArray(v)) throw new Error('expected a list of {name, weight}');
  return v.map((m, i) => {
    if (!isObj(m) || typeof m.name !== 'string') throw new Error(`entry ${i}: expected a model name`);
    return {
      name: m.name,
      weight: m.weight === undefined ? 1 : num(m.weight),
      ...(typeof m.api_base === 'string' ? { apiBase: m.api_base } : {}),
    };
  });
}

/** A model name from config.yaml: a string as written; anything else (a number, a mapping) as YAML would print it. */
function modelName(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
