// Reads a problem package (problems/<name>/problem.yaml), validates it, and hashes its content.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { InputError, NotFoundError } from '../../core/errors.js';
import { assetPath } from '../../core/paths.js';
import { hashTree } from './hash.js';
import { convertToCache, isOpenEvolveFolder } from './openevolve/convert.js';
import type { MappedConfig } from './openevolve/config.js';
import { convertShinkaToCache, isShinkaFolder } from './shinka/convert.js';
import { formatsTried } from './recognize.js';
import { problemSchema, type ProblemSpec } from './schema.js';

export { hashTree };

export interface LoadedProblem {
  spec: ProblemSpec;
  /** Absolute folder of the package. */
  dir: string;
  /** sha256 over every file of the package (names and bytes), so a verdict names exactly what it judged. */
  contentHash: string;
  /** Absolute paths. */
  seedDir: string;
  evaluatorDir: string;
  screenWorkloadsDir?: string;
  verifyWorkloadsDir?: string;
  /** Set when the package was converted on the fly from another format (an OpenEvolve or ShinkaEvolve folder). */
  origin?: { kind: 'openevolve'; source: string; config: MappedConfig } | { kind: 'shinka'; source: string };
}

/** Formats the first zod issue as "file: field: message (fix)". */
export function describeIssue(file: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${file}: invalid`;
  const field = issue.path.length ? issue.path.join('.') : '(top level)';
  let fix = '';
  if (issue.code === 'invalid_type') fix = ` (set "${field}" to a ${issue.expected})`;
  else if (issue.code === 'unrecognized_keys') fix = ' (remove it or check its spelling)';
  else if (issue.code === 'invalid_value' && 'values' in issue)
    fix = ` (use one of: ${issue.values.join(', ')})`;
  const extra = error.issues.length > 1 ? ` [+${error.issues.length - 1} more]` : '';
  return `${file}: field "${field}": ${issue.message}${fix}${extra}`;
}

/** Resolves a problem argument: a folder path, or a name under the built-in problems/ folder. */
export function resolveProblemDir(ref: string, cwd: string = process.cwd()): string {
  const direct = path.resolve(cwd, ref);
  if (existsSync(path.join(direct, 'problem.yaml'))) return direct;
  const builtin = assetPath('problems', ref);
  if (existsSync(path.join(builtin, 'problem.yaml'))) return builtin;
  if (existsSync(direct) && statSync(direct).isDirectory()) return direct;
  throw new NotFoundError(
    `problem "${ref}" not found: give a folder with a problem.yaml, or a name from \`adrs problems list\``,
  );
}

export function loadProblem(ref: string, cwd?: string): LoadedProblem {
  const resolved = resolveProblemDir(ref, cwd);
  if (isOpenEvolveFolder(resolved)) {
    const converted = convertToCache(resolved);
    return {
      ...loadPackage(converted.dir),
      origin: { kind: 'openevolve', source: resolved, config: converted.config },
    };
  }
  if (isShinkaFolder(resolved)) {
    return {
      ...loadPackage(convertShinkaToCache(resolved).dir),
      origin: { kind: 'shinka', source: resolved },
    };
  }
  if (!existsSync(path.join(resolved, 'problem.yaml'))) throw new InputError(formatsTried(resolved));
  return loadPackage(resolved);
}

function loadPackage(dir: string): LoadedProblem {
  const file = path.join(dir, 'problem.yaml');
  if (!existsSync(file))
    throw new InputError(
      `${file}: missing (a problem package needs a problem.yaml; see README "Problem format")`,
    );
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` line ${error.linePos[0].line}` : '';
    throw new InputError(
      `${file}:${where} not valid YAML: ${(error as Error).message.split('\n')[0]} (fix the syntax)`,
    );
  }
  const parsed = problemSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(describeIssue(file, parsed.error));
  const spec = parsed.data;
  const inside = (field: string, rel: string | undefined): string | undefined => {
    if (rel === undefined) return undefined;
    const abs = path.resolve(dir, rel);
    if (!existsSync(abs))
      throw new InputError(`${file}: field "${field}": ${rel} does not exist (create it or fix the path)`);
    return abs;
  };
  const seedDir = inside('seed.dir', spec.seed.dir)!;
  for (const [i, f] of spec.seed.files.entries()) inside(`seed.files.${i}`, path.join(spec.seed.dir, f));
  return {
    spec,
    dir,
    contentHash: hashTree(dir),
    seedDir,
    evaluatorDir: inside('evaluator.dir', spec.evaluator.dir)!,
    screenWorkloadsDir: inside('workloads.screen', spec.workloads.screen),
    verifyWorkloadsDir: inside('workloads.verify', spec.workloads.verify),
  };
}

/** Problem packages in a folder (default: the built-in problems/). */
export function listProblems(
  root: string = assetPath('problems'),
): { name: string; dir: string; error?: string; spec?: ProblemSpec }[] {
  const out: { name: string; dir: string; error?: string; spec?: ProblemSpec }[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!existsSync(path.join(dir, 'problem.yaml'))) continue;
    try {
      out.push({ name, dir, spec: loadProblem(dir).spec });
    } catch (error) {
      out.push({ name, dir, error: (error as Error).message });
    }
  }
  return out;
}
