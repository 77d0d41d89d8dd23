import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { cli } from './helpers/cli.js';

const EVALUATOR = `import json, os, runpy
ns = runpy.run_path(os.path.join(os.environ["ADRS_WORKSPACE"], "f.py"))
json.dump({"correct": ns["f"]() == 42, "metrics": {"score": 1.0}}, open(os.environ["ADRS_RESULT"], "w"))
`;

function makeProblem(extraYaml = ''): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-cli-eval-'));
  mkdirSync(path.join(dir, 'seed'));
  mkdirSync(path.join(dir, 'evaluator'));
  writeFileSync(path.join(dir, 'seed', 'f.py'), 'def f():\n    return 42\n');
  writeFileSync(path.join(dir, 'evaluator', 'evaluate.py'), EVALUATOR);
  writeFileSync(
    path.join(dir, 'problem.yaml'),
    `name: tiny-eval
description: return 42 fast
language: python
seed: { files: [f.py] }
evaluator: { command: ["/usr/bin/python3", "{problem}/evaluate.py"] }
metrics: [{ name: score, direction: maximize }]
primary: score
${extraYaml}`,
  );
  return dir;
}

describe('adrs eval', () => {
  it('evaluates the seed, prints a table and stores run, candidate and evaluation', async () => {
    const dir = makeProblem();
    const db = path.join(dir, 'x.db');
    const r = await cli(['eval', dir, '--db', db]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/tiny-eval {2}OK/);
    expect(r.out).toMatch(/score \* +1/);
    const store = Store.open(db);
    const run = store.listRuns(1)[0]!;
    expect(run.strategy).toBe('eval');
    const [cand] = store.listCandidates(run.id);
    expect(store.listEvaluations(cand!.id)).toHaveLength(1);
    store.close();
  });

  it('refuses a --program that adds frame introspection, before running it', async () => {
    const dir = makeProblem();
    const prog = path.join(dir, 'f.py');
    writeFileSync(
      prog,
      'import sys\n\ndef f():\n    if sys._getframe(1).f_code.co_name == "timed":\n        return 0\n    return 42\n',
    );
    const r = await cli(['eval', dir, '--program', prog, '--json', '--db', path.join(dir, 'x.db')]);
    expect(r.code).toBe(1);
    const res = JSON.parse(r.out.trim());
    expect(res.status).toBe('refused');
    expect(res.reason).toMatch(/guard/);
    expect(res.feedback).toMatch(/introspection/);
  });

  it('names an unknown guard rule in problem.yaml in one line (exit 2)', async () => {
    const dir = makeProblem('guard: { allow: [telepathy] }\n');
    const r = await cli(['eval', dir, '--db', path.join(dir, 'x.db')]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/field "guard\.allow\.0": unknown rule "telepathy" \(use one of: .*introspection/);
  });
});
