// Turns an OpenEvolve-style folder (initial_program.*, evaluator.py, optional config.yaml) into a native problem package.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

/** True for a folder with evaluator.py and initial_program.* (or an initial_program/ folder) and no problem.yaml. */
export function isOpenEvolveFolder(dir: string): boolean {
  return (
    !existsSync(path.join(dir, 'problem.yaml')) &&
    existsSync(path.join(dir, 'evaluator.py')) &&
    findProgram(dir) !== undefined
  );
}

/** What keeps a folder from being an OpenEvolve folder ("" when it is one), for the "formats tried" message. */
export function openEvolveLacks(dir: string): string {
  const lacks = [];
  if (!existsSync(path.join(dir, 'evaluator.py'))) lacks.push('evaluator.py');
  if (findProgram(dir) === undefined) lacks.push('initial_program.<ext> or an initial_program/ folder');
  return lacks.join(' and ');
}

/** initial_program.<ext>, or an initial_program/ folder (a multi-file program, as examples/tsp_tour_minimization). */
export function findProgram(dir: string): string | undefined {
  const entries = readdirSync(dir);
  return (
    entries.find((f) => /^initial_program\.[A-Za-z0-9]+$/.test(f)) ??
    (entries.includes('initial_program') && statSync(path.join(dir, 'initial_program')).isDirectory()
      ? 'initial_program'
      : undefined)
  );
}

/** Text files of a program folder, relative to it (the files that may evolve). */
function programFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.name.startsWith('.') || entry.name === '__pycache__') continue;
    if (entry.isDirectory()) out.push(...programFiles(dir, r));
    else if (!readFileSync(path.join(dir, r)).subarray(0, 8000).includes(0)) out.push(r);
  }
  return out.sort();
}

/** A file kept beside this module's source; from dist/ it is read from the package sources. */
function besideSource(name: string): string {
  const here = path.join(path.dirname(fileURLToPath(import.meta.url)), name);
  return existsSync(here) ? here : assetPath('problems', 'src', 'openevolve', name);
}

function shimPath(): string {
  return besideSource('adrs_openevolve_shim.py');
}

export interface ConvertResult {
  dir: string;
  config: MappedConfig;
}

/** Writes a native package for an OpenEvolve folder into `outDir` (problem.yaml, seed/, evaluator/ with the shim). */
export function convertOpenEvolve(srcDir: string, outDir: string, name?: string): ConvertResult {
  const program = findProgram(srcDir);
  if (!existsSync(path.join(srcDir, 'evaluator.py')) || !program) {
    throw new InputError(`${srcDir}: not an OpenEvolve folder (it lacks ${openEvolveLacks(srcDir)})`);
  }
  const config = readOpenEvolveConfig(srcDir);
  const s = config.settings;
  const isDir = statSync(path.join(srcDir, program)).isDirectory();
  const ext = isDir ? '' : path.extname(program);
  const evalDir = path.join(outDir, 'evaluator');
  mkdirSync(path.join(outDir, 'seed'), { recursive: true });
  mkdirSync(evalDir, { recursive: true });
  cpSync(path.join(srcDir, program), path.join(outDir, 'seed', program), {
    dereference: true,
    recursive: true,
  });
  for (const entry of readdirSync(srcDir)) {
    if (entry === program || entry === '__pycache__' || entry.startsWith('.')) continue;
    cpSync(path.join(srcDir, entry), path.join(evalDir, entry), { recursive: true, dereference: true });
  }
  cpSync(shimPath(), path.join(evalDir, 'adrs_openevolve_shim.py'));
  // `from openevolve.evaluation_result import EvaluationResult` inside the sandbox (our own stand-in package).
  cpSync(besideSource('py'), path.join(evalDir, 'adrs_compat'), { recursive: true });
  writeFileSync(
    path.join(evalDir, 'adrs_openevolve.json'),
    JSON.stringify(
      {
        program,
        // OpenEvolve's defaults: cascade_evaluation true, thresholds [0.5, 0.75, 0.9].
        cascade: s.cascade ?? true,
        thresholds: s.cascadeThresholds ?? [0.5, 0.75, 0.9],
        feature_dimensions: s.featureDimensions ?? ['complexity', 'diversity'],
      },
      null,
      2,
    ),
  );
  const files = isDir ? programFiles(path.join(srcDir, program)).map((f) => `${program}/${f}`) : [program];
  const source = files.map((f) => readFileSync(path.join(srcDir, f), 'utf8')).join('\n');
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
    language: isDir ? 'mixed' : (LANGUAGES[ext] ?? ext.slice(1)),
    seed: { dir: 'seed', files },
    // A Python program reaches the evaluator as a stand-in (evaluators/harness/adrs_program_proxy.py); any other
    // program is built and run by the evaluator itself, in its own domain: no separation to claim, so say so.
    evaluator: {
      dir: 'evaluator',
      command: ['/usr/bin/python3', '{problem}/adrs_openevolve_shim.py'],
      ...(!isDir && ext === '.py' ? {} : { trust_domains: false }),
    },
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
