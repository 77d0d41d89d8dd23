// A folder that is no known problem format says which formats were tried and what each lacked.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProblem } from '../problems/src/load.js';

const fresh = (): string => mkdtempSync(path.join(tmpdir(), 'adrs-recog-'));

describe('problem format recognition', () => {
  it('an unknown folder names every format tried and what each lacked', () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'evaluator.py'), 'def evaluate(p):\n    return {}\n');
    expect(() => loadProblem(dir)).toThrow(
      /Formats tried: adrs package \(lacks problem.yaml\); OpenEvolve folder \(lacks initial_program.<ext> or an initial_program\/ folder\); ShinkaEvolve task \(lacks evaluate.py and initial.<ext>\)/,
    );
  });

  it('an ADRS leaderboard problem folder is told to be imported', () => {
    const dir = fresh();
    writeFileSync(
      path.join(dir, 'evaluator.py'),
      'parser.add_argument("--solution")\nsolution_class = getattr(module, "Solution", None)\n',
    );
    expect(() => loadProblem(dir)).toThrow(/adrs problems import adrs DIR --solution/);
  });

  it('an initial_program/ folder (as OpenEvolve tsp_tour_minimization) is a multi-file seed', () => {
    const dir = fresh();
    mkdirSync(path.join(dir, 'initial_program', 'include'), { recursive: true });
    writeFileSync(path.join(dir, 'initial_program', 'main.cpp'), 'int main() { return 0; }\n');
    writeFileSync(path.join(dir, 'initial_program', 'include', 'util.hpp'), '#pragma once\n');
    writeFileSync(path.join(dir, 'initial_program', 'blob.bin'), Buffer.from([0, 1, 2, 0]));
    writeFileSync(path.join(dir, 'evaluator.py'), 'def evaluate(p):\n    return {"combined_score": 1.0}\n');
    const p = loadProblem(dir);
    expect(p.origin?.kind).toBe('openevolve');
    expect(p.spec.seed.files).toEqual(['initial_program/include/util.hpp', 'initial_program/main.cpp']);
  });
});
