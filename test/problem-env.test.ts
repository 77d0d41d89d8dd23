// problem.yaml evaluator.env and sandbox.path reach the evaluator inside the sandbox; platform names stay refused.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';
import { problemSchema } from '../problems/src/schema.js';

const base = {
  name: 'env-probe',
  description: 'probe',
  language: 'python',
  seed: { files: ['prog.py'] },
  metrics: [{ name: 'score', direction: 'maximize' }],
  primary: 'score',
};

describe('evaluator.env and sandbox.path', () => {
  it('refuses ADRS_* and PATH in evaluator.env, and a relative sandbox.path', () => {
    for (const env of [{ ADRS_STAGE: 'x' }, { PATH: '/x' }, { 'BAD-NAME': '1' }]) {
      const r = problemSchema.safeParse({ ...base, evaluator: { command: ['x'], env } });
      expect(r.success, JSON.stringify(env)).toBe(false);
    }
    const rel = problemSchema.safeParse({
      ...base,
      evaluator: { command: ['x'] },
      sandbox: { path: ['bin'] },
    });
    expect(rel.success).toBe(false);
  });

  it('an evaluator sees its env switch and runs a tool from a sandbox.path folder', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'adrs-env-'));
    // Outside /tmp and /var/tmp (the local sandbox mounts private ones) and readable by the sandbox's uids;
    // the checkout itself may lie under /tmp (CI clones anywhere), so the tool is copied out of it.
    const tools = toolsFolder();
    const pkg = path.join(root, 'pkg');
    mkdirSync(path.join(pkg, 'seed'), { recursive: true });
    mkdirSync(path.join(pkg, 'evaluator'));
    writeFileSync(path.join(pkg, 'seed', 'prog.py'), 'x = 1\n');
    writeFileSync(
      path.join(pkg, 'evaluator', 'evaluate.py'),
      [
        'import json, os, subprocess',
        'out = subprocess.run(["mytool"], capture_output=True, text=True).stdout.strip()',
        'm = {"score": float(out or 0), "switch": 1.0 if os.environ.get("MY_SWITCH") == "on" else 0.0}',
        'json.dump({"correct": True, "metrics": m}, open(os.environ["ADRS_RESULT"], "w"))',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(pkg, 'problem.yaml'),
      [
        'name: env-probe',
        'description: probe',
        'language: python',
        'seed: { files: [prog.py] }',
        "evaluator: { command: ['/usr/bin/python3', '{problem}/evaluate.py'], env: { MY_SWITCH: 'on' } }",
        'metrics: [{ name: score, direction: maximize }]',
        'primary: score',
        `sandbox: { path: ['${tools}'] }`,
        '',
      ].join('\n'),
    );
    let out = '';
    await runCli(['eval', pkg, '--json', '--db', path.join(root, 'adrs.db')], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => {} },
      env: { ...process.env },
    });
    const r = JSON.parse(out.trim());
    expect(r.status, JSON.stringify(r)).toBe('ok');
    expect(r.metrics).toEqual({ score: 42, switch: 1 });
  }, 60_000);
});

/** A 0755 folder outside /tmp holding test/fixtures/sandbox-path/bin/mytool (removed when the process exits). */
function toolsFolder(): string {
  const fixture = path.resolve('test/fixtures/sandbox-path/bin');
  let dir: string;
  try {
    mkdirSync('/var/cache/adrs', { recursive: true });
    dir = mkdtempSync('/var/cache/adrs/sandbox-path-');
  } catch {
    return fixture; // not root: use the checkout as it is (outside /tmp on a developer's machine)
  }
  chmodSync(dir, 0o755);
  copyFileSync(path.join(fixture, 'mytool'), path.join(dir, 'mytool'));
  chmodSync(path.join(dir, 'mytool'), 0o755);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
