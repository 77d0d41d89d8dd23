// A tiny problem package in a temp dir (problem.yaml + seed with an EVOLVE-BLOCK), and a ProposalContext over it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadProblem, type LoadedProblem } from '../../problems/src/load.js';
import type { NewLlmCall } from '../../orchestrator/store/types.js';
import type { ProposalContext } from '../../orchestrator/proposers/types.js';

export const TINY_SEED = `# Tiny problem seed: sum of squares.
import math

# EVOLVE-BLOCK-START
def sum_squares(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
# EVOLVE-BLOCK-END


def main():
    print(sum_squares(10))
`;

export interface TinyProblem {
  dir: string;
  problem: LoadedProblem;
  cleanup(): void;
}

/** Writes the package (extra files and problem.yaml lines optional) and loads it with loadProblem. */
export function makeTinyProblem(
  opts: { files?: Record<string, string>; yamlExtra?: string; extraFiles?: Record<string, string> } = {},
): TinyProblem {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-tiny-'));
  const files = opts.files ?? { 'solution.py': TINY_SEED };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, 'seed', rel)), { recursive: true });
    writeFileSync(path.join(dir, 'seed', rel), text);
  }
  for (const [rel, text] of Object.entries(opts.extraFiles ?? {})) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  mkdirSync(path.join(dir, 'evaluator'));
  writeFileSync(path.join(dir, 'evaluator', 'eval.py'), 'print("{}")\n');
  writeFileSync(
    path.join(dir, 'problem.yaml'),
    [
      'name: tiny',
      'description: Compute the sum of squares below n as fast as possible.',
      'language: python',
      'seed:',
      `  files: [${Object.keys(files).join(', ')}]`,
      'evaluator:',
      '  command: ["/usr/bin/python3", "{problem}/evaluator/eval.py"]',
      'metrics:',
      '  - name: speed',
      '    direction: maximize',
      '    description: calls per second',
      'primary: speed',
      opts.yamlExtra ?? '',
    ].join('\n'),
  );
  return { dir, problem: loadProblem(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RecordingContext extends ProposalContext {
  calls: Omit<NewLlmCall, 'runId' | 'candidateId'>[];
}

/** A context whose recordCall keeps the calls in `calls` (ids 1, 2, ...). */
export function makeContext(
  problem: LoadedProblem,
  overrides: Partial<ProposalContext> = {},
): RecordingContext {
  const calls: RecordingContext['calls'] = [];
  const files: Record<string, string> = {};
  for (const f of problem.spec.seed.files) files[f] = readFileSync(path.join(problem.seedDir, f), 'utf8');
  let seed = 42;
  return {
    runId: 'run-test',
    iteration: 1,
    problem,
    parent: {
      id: 'parent-1',
      files,
      metrics: { speed: 100 },
      score: 100,
      correct: true,
      generation: 0,
      feedback: '',
      failedChecks: [],
      stderrTail: '',
    },
    inspirations: [],
    history: [],
    random: () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    },
    recordCall: (call) => calls.push(call),
    calls,
    ...overrides,
  };
}
