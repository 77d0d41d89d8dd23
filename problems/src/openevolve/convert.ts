// Turns an OpenEvolve-style folder (initial_program.*, evaluator.py, optional config.yaml) into a native problem package.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { InputError } from '../../../core/errors.js';
import { assetPath } from '../../../core/paths.js';
import { hashTree } from '../hash.js';
import { readOpenEvolveConfig, type MappedConfig } from './config.js';

const LANGUAGES: Record<string, string> = {
  '.py': 'python',
  '.c': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cu': 'cuda',
  '.rs': 'rust',
  '.js': 'javascript',
  '.ts': 'typescript',
  '.go': 'go',
  '.java': 'java',
  '.jl': 'julia',
  '.r': 'r',
  '.R': 'r',
  '.metal': 'metal',
};

/** True for a folder with evaluator.py and initial_program.* and no problem.yaml. */
export function isOpenEvolveFolder(dir: string): boolean {
  return (
    !existsSync(path.join(dir, 'problem.yaml')) &&
    existsSync(path.join(dir, 'evaluator.py')) &&
    findProgram(dir) !== undefined
  );
}

function findProgram(dir: string): string | undefined {
  return readdirSync(dir).find((f) => /^initial_program\.[A-Za-z0-9]+$/.test(f));
}

function shimPath(): string {
  // The shim sits next to this module's source; from dist/ we read it from the package sources.
  const here = path.join(path.dirname(fileURLToPath(import.meta.url)), 'adrs_openevolve_shim.py');
  return existsSync(here) ? here : assetPath('problems', 'src', 'openevolve', 'adrs_openevolve_shim.py');
}

export interface ConvertResult {
  dir: string;
  config: MappedConfig;
}

/** Writes a native package for an OpenEvolve folder into `outDir` (problem.yaml, seed/, evaluator/ with the shim). */
export function convertOpenEvolve(srcDir: string, outDir: string, name?: string): ConvertResult {
  const program = findProgram(srcDir);
  if (!existsSync(path.join(srcDir, 'evaluator.py')) || !program) {
    throw new InputError(
      `${srcDir}: not an OpenEvolve folder (it needs initial_program.<ext> and evaluator.py)`,
    );
  }
  const config = readOpenEvolveConfig(srcDir);
  const s = config.settings;
  const ext = path.extname(program);
  const evalDir = path.join(outDir, 'evaluator');
  mkdirSync(path.join(outDir, 'seed'), { recursive: true });
  mkdirSync(evalDir, { recursive: true });
  cpSync(path.join(srcDir, program), path.join(outDir, 'seed', program), { dereference: true });
  for (const entry of readdirSync(srcDir)) {
    if (entry === program || entry === '__pycache__' || entry.startsWith('.')) continue;
    cpSync(path.join(srcDir, entry), path.join(evalDir, entry), { recursive: true, dereference: true });
  }
  cpSync(shimPath(), path.join(evalDir, 'adrs_openevolve_shim.py'));
  writeFileSync(
    path.join(evalDir, 'adrs_openevolve.json'),
    JSON.stringify(
      { program, cascade: s.cascade ?? false, thresholds: s.cascadeThresholds ?? [0.5, 0.75, 0.9] },
      null,
      2,
    ),
  );
  const source = readFileSync(path.join(srcDir, program), 'utf8');
  const base = path.basename(path.resolve(srcDir));
  // A twin kept in a folder named like the format (problems/x/openevolve) is named after its parent.
  const fallback =
    base === 'openevolve' ? `${path.basename(path.dirname(path.resolve(srcDir)))}-openevolve` : base;
  const problemName =
    (name ?? fallback)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'openevolve';
  const timeout = s.evaluatorTimeoutS ?? 300;
  const spec = {
    name: problemName,
    description:
      (s.systemMessage?.trim() ? s.systemMessage.trim() + '\n\n' : '') +
      `Improve ${program} (an OpenEvolve problem imported from ${path.basename(path.resolve(srcDir))}). ` +
      'The evaluator returns metrics; combined_score is maximised' +
      (source.includes('EVOLVE-BLOCK-START')
        ? '; change only the code between the EVOLVE-BLOCK markers.'
        : '.'),
    language: LANGUAGES[ext] ?? ext.slice(1),
    seed: { dir: 'seed', files: [program] },
    evaluator: { dir: 'evaluator', command: ['/usr/bin/python3', '{problem}/adrs_openevolve_shim.py'] },
    metrics: [{ name: 'combined_score', direction: 'maximize' }],
    primary: 'combined_score',
    timeouts: { screen: timeout, verify: timeout, time: timeout },
  };
  writeFileSync(
    path.join(outDir, 'problem.yaml'),
    `# Converted from an OpenEvolve folder by adrs; the original evaluator.py runs unchanged through the shim.\n` +
      toYaml(spec),
  );
  return { dir: outDir, config };
}

/** Converts into a cache folder keyed by the source's content, so `adrs eval DIR` works on the folder as it is. */
export function convertToCache(srcDir: string): ConvertResult {
  const out = path.join(
    tmpdir(),
    'adrs-openevolve',
    hashTree(srcDir).slice(0, 16) + '-' + hashTree(path.dirname(shimPath())).slice(0, 8),
  );
  return convertOpenEvolve(srcDir, out);
}
