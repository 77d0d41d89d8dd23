// Reads `--config FILE` (YAML), lays the CLI flags over it (flags win) and validates the result once.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../core/errors.js';
import { describeIssue } from '../../problems/src/load.js';
import { runConfigSchema, type RunConfig } from './run-config.js';

export function readConfigFile(file: string, cwd: string): Record<string, unknown> {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new InputError(`--config ${file}: no such file`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(abs, 'utf8'));
  } catch (error) {
    throw new InputError(
      `${file}: not valid YAML: ${(error as Error).message.split('\n')[0]} (fix the syntax)`,
    );
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new InputError(`${file}: expected a mapping of settings`);
  return raw as Record<string, unknown>;
}

/** Deep merge of plain objects; `over` wins, undefined values in `over` are ignored. */
export function mergeConfig(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    const isObj = (x: unknown): x is Record<string, unknown> =>
      typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isObj(b) && isObj(v) ? mergeConfig(b, v) : v;
  }
  return out;
}

/** Validates a merged config; errors name the source (the file or "flags") and the field. */
export function parseRunConfig(raw: unknown, source = 'config'): RunConfig {
  const parsed = runConfigSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(describeIssue(source, parsed.error));
  return parsed.data;
}

export function resolveRunConfig(opts: {
  file?: string;
  flags: Record<string, unknown>;
  cwd: string;
  /** Settings below the file and the flags (a peer folder's own config, e.g. OpenEvolve's config.yaml). */
  base?: Record<string, unknown>;
}): RunConfig {
  const fromFile = opts.file ? readConfigFile(opts.file, opts.cwd) : {};
  const merged = mergeConfig(mergeConfig(opts.base ?? {}, fromFile), opts.flags);
  return parseRunConfig(merged, opts.file ?? (opts.base ? 'config.yaml + flags' : 'flags'));
}
