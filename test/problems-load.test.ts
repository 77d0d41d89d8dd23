import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { hashTree, loadProblem } from '../problems/src/load.js';
import { extendedMaxSamples } from '../problems/src/schema.js';
import { runCli } from '../orchestrator/cli/main.js';

const GOOD = `name: tiny
description: Make f fast.
language: python
seed: { files: [f.py] }
evaluator: { command: ["/usr/bin/python3", "{problem}/evaluate.py"] }
metrics:
  - { name: score, direction: maximize }
primary: score
`;

function makeProblem(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-prob-'));
  mkdirSync(path.join(dir, 'seed'));
  mkdirSync(path.join(dir, 'evaluator'));
  writeFileSync(path.join(dir, 'seed', 'f.py'), 'def f():\n    return 1\n');
  writeFileSync(path.join(dir, 'evaluator', 'evaluate.py'), 'print(1)\n');
  writeFileSync(path.join(dir, 'problem.yaml'), yaml);
  return dir;
}

function loadError(yaml: string): string {
  try {
    loadProblem(makeProblem(yaml));
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected loadProblem to fail');
}

describe('problem packages', () => {
  it('loads a valid package with defaults and a content hash', () => {
    const p = loadProblem(makeProblem(GOOD));
    expect(p.spec.name).toBe('tiny');
    expect(p.spec.timing.min_effect).toBe(0.01);
    expect(p.spec.resources.memory_mb).toBe(2048);
    expect(p.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the file, the field and the fix in one line', () => {
    const msg = loadError(GOOD.replace('direction: maximize', 'direction: upward'));
    expect(msg).toContain('problem.yaml');
    expect(msg).toContain('metrics.0.direction');
    expect(msg).toContain('maximize, minimize');
    expect(msg.split('\n')).toHaveLength(1);
  });

  it('takes timing.extended_max_samples only above max_samples (0 = none; absent = 5 x max_samples), naming the field otherwise', () => {
    const timing = (yaml: string) => loadProblem(makeProblem(GOOD + yaml)).spec.timing;
    // Absent: the default extension, proportional to the cap (200 for the default 40).
    expect(extendedMaxSamples(loadProblem(makeProblem(GOOD)).spec.timing)).toBe(200);
    expect(extendedMaxSamples(timing('timing: { max_samples: 8 }\n'))).toBe(40);
    expect(extendedMaxSamples(timing('timing: { max_samples: 40, extended_max_samples: 120 }\n'))).toBe(120);
    expect(
      extendedMaxSamples(timing('timing: { max_samples: 40, extended_max_samples: 0 }\n')),
    ).toBeUndefined();
    const msg = loadError(GOOD + 'timing: { max_samples: 40, extended_max_samples: 30 }\n');
    expect(msg).toMatch(/timing\.extended_max_samples.*above timing\.max_samples/);
    expect(msg.split('\n')).toHaveLength(1);
    expect(loadError(GOOD + 'timing: { extended_max_samples: -1 }\n')).toMatch(
      /timing\.extended_max_samples/,
    );
  });

  it('reports a primary score that names no metric', () => {
    expect(loadError(GOOD.replace('primary: score', 'primary: speed'))).toMatch(
      /field "primary".*use one of: score/,
    );
  });

  it('reports unknown fields, bad YAML and missing files', () => {
    expect(loadError(GOOD + 'colour: red\n')).toMatch(/unrecognized|colour/i);
    expect(loadError(GOOD + 'seed: [\n')).toMatch(/not valid YAML/);
    expect(loadError(GOOD.replace('[f.py]', '[g.py]'))).toMatch(/seed\.files\.0.*g\.py does not exist/);
  });

  it('hashes content: a one-byte change changes the hash', () => {
    const dir = makeProblem(GOOD);
    const before = hashTree(dir);
    writeFileSync(path.join(dir, 'seed', 'f.py'), 'def f():\n    return 2\n');
    expect(hashTree(dir)).not.toBe(before);
  });

  it('`adrs problems show` prints a package, and a broken one exits 2 with one line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    };
    expect(await runCli(['problems', 'show', makeProblem(GOOD)], io)).toBe(0);
    expect(out.join('')).toContain('tiny (python)');
    const code = await runCli(
      ['problems', 'show', makeProblem(GOOD.replace('language: python', 'language: 3'))],
      io,
    );
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/^adrs: .*problem\.yaml: field "language"/m);
  });
});
