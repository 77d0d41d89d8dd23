// `adrs problems import adrs DIR`: an ADRS leaderboard problem folder (evaluator.py scoring a Solution class) as a package.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { InputError } from '../../../core/errors.js';
import { assetPath } from '../../../core/paths.js';
import { isAdrsLeaderboardProblem } from '../recognize.js';

export interface AdrsImportOptions {
  /** The solution.py to start from (the leaderboard's problem folders have no seed program). */
  solution: string;
  /** Files the evaluator reads from <repo>/datasets/<problem>/ (e.g. eplb's expert-load.json). */
  datasets?: string[];
  name?: string;
}

function shimPath(): string {
  const here = path.join(path.dirname(fileURLToPath(import.meta.url)), 'adrs_leaderboard_shim.py');
  return existsSync(here) ? here : assetPath('problems', 'src', 'adrs', 'adrs_leaderboard_shim.py');
}

/** Writes the package: seed/solution.py, evaluator/leaderboard/ (the folder, unchanged), datasets, the shim. */
export function importAdrsProblem(srcDir: string, outDir: string, opts: AdrsImportOptions): { name: string } {
  if (!isAdrsLeaderboardProblem(srcDir))
    throw new InputError(
      `${srcDir}: not an ADRS leaderboard problem folder (it needs an evaluator.py taking --solution and a Solution class)`,
    );
  if (!existsSync(opts.solution))
    throw new InputError(
      `--solution ${opts.solution}: no such file (give a leaderboard solution.py to start from)`,
    );
  const leaderboardName = path.basename(path.resolve(srcDir));
  const name = (opts.name ?? leaderboardName).toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  const evalDir = path.join(outDir, 'evaluator');
  mkdirSync(path.join(outDir, 'seed'), { recursive: true });
  mkdirSync(evalDir, { recursive: true });
  cpSync(opts.solution, path.join(outDir, 'seed', 'solution.py'));
  cpSync(srcDir, path.join(evalDir, 'leaderboard'), {
    recursive: true,
    filter: (f) => !f.includes(`${path.sep}__pycache__`) && path.basename(f) !== 'output_program.py',
  });
  for (const file of opts.datasets ?? []) {
    if (!existsSync(file)) throw new InputError(`--dataset ${file}: no such file`);
    mkdirSync(path.join(evalDir, 'datasets'), { recursive: true });
    cpSync(file, path.join(evalDir, 'datasets', path.basename(file)));
  }
  cpSync(shimPath(), path.join(evalDir, 'adrs_leaderboard_shim.py'));
  writeFileSync(
    path.join(evalDir, 'adrs_leaderboard.json'),
    JSON.stringify({ name: leaderboardName, program: 'solution.py' }, null, 2),
  );
  const readme = path.join(srcDir, 'README.md');
  const about = existsSync(readme) ? readFileSync(readme, 'utf8').trim() : '';
  const spec = {
    name,
    description:
      `Improve solution.py for the ADRS leaderboard problem "${leaderboardName}"; its own evaluator.py scores it ` +
      '(the leaderboard score, higher is better). Keep the Solution class and its solve() contract.' +
      (about ? `\n\n${about}` : ''),
    language: 'python',
    seed: { dir: 'seed', files: ['solution.py'] },
    evaluator: { dir: 'evaluator', command: ['/usr/bin/python3', '{problem}/adrs_leaderboard_shim.py'] },
    metrics: [{ name: 'score', direction: 'maximize', description: 'the leaderboard score' }],
    primary: 'score',
    timeouts: { screen: 900, verify: 900, time: 900 },
  };
  writeFileSync(
    path.join(outDir, 'problem.yaml'),
    '# Imported from an ADRS leaderboard problem folder by adrs; its evaluator.py runs unchanged through the shim.\n' +
      toYaml(spec),
  );
  return { name };
}
