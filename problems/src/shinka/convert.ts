// Turns a ShinkaEvolve task folder (initial.<ext> + evaluate.py) into a native problem package run through a shim.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { InputError } from '../../../core/errors.js';
import { assetPath } from '../../../core/paths.js';
import { hashTree } from '../hash.js';

const LANGUAGES: Record<string, string> = {
  '.py': 'python',
  '.f90': 'fortran',
  '.go': 'go',
  '.jl': 'julia',
  '.rs': 'rust',
  '.wl': 'wolfram',
  '.sv': 'systemverilog',
  '.v': 'verilog',
  '.c': 'c',
  '.cpp': 'cpp',
  '.cu': 'cuda',
};

function findInitial(dir: string): string | undefined {
  return readdirSync(dir).find((f) => /^initial\.[A-Za-z0-9]+$/.test(f));
}

/** A Shinka task: initial.<ext> and evaluate.py (called as `evaluate.py --program_path P --results_dir D`). */
export function isShinkaFolder(dir: string): boolean {
  return (
    !existsSync(path.join(dir, 'problem.yaml')) &&
    existsSync(path.join(dir, 'evaluate.py')) &&
    findInitial(dir) !== undefined
  );
}

/** What keeps a folder from being a Shinka task ("" when it is one), for the "formats tried" message. */
export function shinkaLacks(dir: string): string {
  const lacks = [];
  if (!existsSync(path.join(dir, 'evaluate.py'))) lacks.push('evaluate.py');
  if (findInitial(dir) === undefined) lacks.push('initial.<ext>');
  return lacks.join(' and ');
}

function besideSource(name: string): string {
  const here = path.join(path.dirname(fileURLToPath(import.meta.url)), name);
  return existsSync(here) ? here : assetPath('problems', 'src', 'shinka', name);
}

/** Writes a native package for a Shinka task into `outDir`. Files other than initial.<ext> go to the evaluator. */
export function convertShinka(srcDir: string, outDir: string, name?: string): { dir: string } {
  const program = findInitial(srcDir);
  if (!program || !existsSync(path.join(srcDir, 'evaluate.py')))
    throw new InputError(`${srcDir}: not a ShinkaEvolve task folder (it lacks ${shinkaLacks(srcDir)})`);
  const evalDir = path.join(outDir, 'evaluator');
  mkdirSync(path.join(outDir, 'seed'), { recursive: true });
  mkdirSync(evalDir, { recursive: true });
  cpSync(path.join(srcDir, program), path.join(outDir, 'seed', program), { dereference: true });
  for (const entry of readdirSync(srcDir)) {
    if (entry === program || entry === '__pycache__' || entry.startsWith('.')) continue;
    cpSync(path.join(srcDir, entry), path.join(evalDir, entry), { recursive: true, dereference: true });
  }
  cpSync(besideSource('adrs_shinka_shim.py'), path.join(evalDir, 'adrs_shinka_shim.py'));
  cpSync(besideSource('py'), path.join(evalDir, 'adrs_compat'), { recursive: true });
  writeFileSync(path.join(evalDir, 'adrs_shinka.json'), JSON.stringify({ program }, null, 2));
  const ext = path.extname(program);
  const source = readFileSync(path.join(srcDir, program), 'utf8');
  const base = path.basename(path.resolve(srcDir));
  const problemName =
    (name ?? base)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'shinka';
  const spec = {
    name: problemName,
    description:
      `Improve ${program} (a ShinkaEvolve task imported from ${base}). ` +
      'Its evaluate.py scores it; combined_score is maximised' +
      (source.includes('EVOLVE-BLOCK-START')
        ? '; change only the code between the EVOLVE-BLOCK markers.'
        : '.'),
    language: LANGUAGES[ext] ?? ext.slice(1),
    seed: { dir: 'seed', files: [program] },
    // A Python program reaches the evaluator as a stand-in (evaluators/harness/adrs_program_proxy.py); any other
    // program is built and run by the evaluator itself, in its own domain: no separation to claim, so say so.
    evaluator: {
      dir: 'evaluator',
      command: ['/usr/bin/python3', '{problem}/adrs_shinka_shim.py'],
      ...(ext === '.py' ? {} : { trust_domains: false }),
    },
    metrics: [{ name: 'combined_score', direction: 'maximize' }],
    primary: 'combined_score',
  };
  writeFileSync(
    path.join(outDir, 'problem.yaml'),
    '# Converted from a ShinkaEvolve task folder by adrs; its evaluate.py runs unchanged through the shim.\n' +
      toYaml(spec),
  );
  return { dir: outDir };
}

/** Converts into a cache folder keyed by the source's content, so `adrs eval DIR` works on the folder as it is. */
export function convertShinkaToCache(srcDir: string): { dir: string } {
  const out = path.join(
    tmpdir(),
    'adrs-shinka',
    hashTree(srcDir).slice(0, 16) +
      '-' +
      hashTree(path.dirname(besideSource('adrs_shinka_shim.py'))).slice(0, 8),
  );
  return convertShinka(srcDir, out);
}
