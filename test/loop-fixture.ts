// A tiny knob problem for the loop, population and CLI tests: score = A + 2*B, B = 3 crashes, "broken" in the file fails.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SEED = `# EVOLVE-BLOCK-START
# @knob A: [0, 1, 2, 3, 4, 5, 6, 7]
A = 0
# @knob B: [0, 1, 2, 3]
B = 0
# EVOLVE-BLOCK-END
`;

const EVALUATOR = `import json, os, runpy, sys
out = os.environ["ADRS_RESULT"]
src = open(os.path.join(os.environ["ADRS_WORKSPACE"], "solution.py")).read()
if "broken" in src:
    print("the candidate is broken", file=sys.stderr)
    sys.exit(3)
ns = runpy.run_path(os.path.join(os.environ["ADRS_WORKSPACE"], "solution.py"))
a, b = ns.get("A", 0), ns.get("B", 0)
correct = b != 3
json.dump({"correct": correct, "metrics": {"score": a + 2 * b, "a": a},
           "feedback": "" if correct else "B = 3 is wrong",
           "checks": [{"name": "b-not-3", "ok": correct}]}, open(out, "w"))
`;

/** Writes the problem package into a fresh temp folder; returns its path. */
export function makeKnobProblem(opts: { verify?: boolean; name?: string; evalSleepS?: number } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-knobprob-'));
  mkdirSync(path.join(dir, 'seed'));
  mkdirSync(path.join(dir, 'evaluator'));
  mkdirSync(path.join(dir, 'workloads', 'screen'), { recursive: true });
  writeFileSync(path.join(dir, 'workloads', 'screen', 'in.txt'), 'screen\n');
  writeFileSync(path.join(dir, 'seed', 'solution.py'), SEED);
  const sleep = opts.evalSleepS ? `import time\ntime.sleep(${opts.evalSleepS})\n` : '';
  writeFileSync(path.join(dir, 'evaluator', 'eval.py'), sleep + EVALUATOR);
  const verify = opts.verify ?? false;
  if (verify) {
    mkdirSync(path.join(dir, 'workloads', 'verify'));
    writeFileSync(path.join(dir, 'workloads', 'verify', 'in.txt'), 'verify\n');
  }
  writeFileSync(
    path.join(dir, 'problem.yaml'),
    `name: ${opts.name ?? 'knobs'}
description: maximise A + 2*B
language: python
seed: { dir: seed, files: [solution.py] }
evaluator: { dir: evaluator, command: ["/usr/bin/python3", "{problem}/eval.py"] }
metrics: [{ name: score, direction: maximize, deterministic: true }, { name: a, direction: maximize }]
primary: score
timeouts: { screen: 30, verify: 30, time: 30 }
workloads: { screen: workloads/screen${verify ? ', verify: workloads/verify' : ''} }
`,
  );
  return dir;
}

/**
 * A two-objective problem: knobs A (quality) and B; time grows with both, so the Pareto front is B = 0 at every A.
 * Used by test/pareto.test.ts and the browser tests' real-runs database.
 */
export function makeTradeOffProblem(name = 'tradeoff'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-pareto-'));
  mkdirSync(path.join(dir, 'seed'));
  mkdirSync(path.join(dir, 'evaluator'));
  writeFileSync(
    path.join(dir, 'seed', 'solution.py'),
    '# EVOLVE-BLOCK-START\n# @knob A: [0, 1, 2, 3, 4, 5]\nA = 0\n# @knob B: [0, 1, 2]\nB = 2\n# EVOLVE-BLOCK-END\n',
  );
  writeFileSync(
    path.join(dir, 'evaluator', 'eval.py'),
    `import json, os, runpy
ns = runpy.run_path(os.path.join(os.environ["ADRS_WORKSPACE"], "solution.py"))
a, b = ns["A"], ns["B"]
json.dump({"correct": True, "metrics": {"score": a - b, "quality": a, "time_s": 0.001 * (1 + a + b)}},
          open(os.environ["ADRS_RESULT"], "w"))
`,
  );
  writeFileSync(
    path.join(dir, 'problem.yaml'),
    `name: ${name}
description: quality against time
language: python
seed: { dir: seed, files: [solution.py] }
evaluator: { dir: evaluator, command: ["/usr/bin/python3", "{problem}/eval.py"] }
metrics:
  - { name: score, direction: maximize, deterministic: true }
  - { name: quality, direction: maximize }
  - { name: time_s, direction: minimize }
primary: score
objectives: [quality, time_s]
timeouts: { screen: 30, verify: 30, time: 30 }
`,
  );
  return dir;
}
