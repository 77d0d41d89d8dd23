// Says which problem formats a folder was checked against and what each one lacked (one line, with the fix).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openEvolveLacks } from './openevolve/convert.js';
import { shinkaLacks } from './shinka/convert.js';

/** An ADRS leaderboard problem folder: an evaluator.py that loads a `Solution` class from a solution.py. */
export function isAdrsLeaderboardProblem(dir: string): boolean {
  const file = path.join(dir, 'evaluator.py');
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  return /Solution/.test(text) && /--solution/.test(text);
}

export function formatsTried(dir: string): string {
  if (isAdrsLeaderboardProblem(dir))
    return (
      `${dir}: an ADRS leaderboard problem folder (its evaluator.py scores a Solution class), which has no seed program ` +
      'to evolve: import it with `adrs problems import adrs DIR --solution SOLUTION.py -o problems/NAME`'
    );
  const tried = [
    `adrs package (lacks problem.yaml)`,
    `OpenEvolve folder (lacks ${openEvolveLacks(dir)})`,
    `ShinkaEvolve task (lacks ${shinkaLacks(dir)})`,
    'ADRS leaderboard problem (lacks an evaluator.py taking --solution)',
  ];
  return (
    `${dir}: not a problem folder. Formats tried: ${tried.join('; ')}. ` +
    'A KernelBench file is imported with `adrs problems import kernelbench FILE -o DIR` (see README "Problem format")'
  );
}
