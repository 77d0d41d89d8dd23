import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluation, type EvaluationTarget } from '../evaluators/run-evaluation.js';
import { createSandbox } from '../sandboxes/index.js';
import type { Sandbox } from '../sandboxes/types.js';
import { describeSurvivors, killSurvivors } from './helpers/processes.js';

/** In the argv of every process a program here leaves running; unique, so parallel runs elsewhere do not count. */
const LEFTOVER = `adrs-leftover-${randomBytes(6).toString('hex')}`;

// The evaluator here simply runs the candidate's prog.py, so the candidate decides what the result looks like.
const EVALUATOR = `import os, runpy
runpy.run_path(os.path.join(os.environ["ADRS_WORKSPACE"], "prog.py"), run_name="__main__")
`;

const PROGRAMS: Record<string, string> = {
  good: `import json, os
json.dump({"correct": True, "metrics": {"score": 3.5}, "timings": {"run": [0.1, 0.2]}}, open(os.environ["ADRS_RESULT"], "w"))`,
  garbage: `import os
open(os.environ["ADRS_RESULT"], "w").write("this is not json {")`,
  'bad-schema': `import json, os
json.dump({"correct": "yes", "metrics": {"score": "high"}}, open(os.environ["ADRS_RESULT"], "w"))`,
  'no-result': `print("done, but no result")`,
  crash: `import sys
print("Traceback: something broke", file=sys.stderr)
sys.exit(3)`,
  hang: `import os
os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 600; echo ${LEFTOVER}"])`,
  'ignores-sigterm-child': `import os, signal, time
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.setsid()
    os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 600; echo ${LEFTOVER}"])
time.sleep(600)`,
};

const MARK = `adrs-runeval-${process.pid}`;
let sandbox: Sandbox;
let evaluatorDir: string;

beforeAll(async () => {
  sandbox = await createSandbox('local');
  evaluatorDir = mkdtempSync(path.join(tmpdir(), 'adrs-ev-'));
  writeFileSync(path.join(evaluatorDir, 'evaluate.py'), EVALUATOR);
});
afterAll(async () => {
  killSurvivors(LEFTOVER);
  await sandbox.dispose();
});

async function run(name: string, wallTimeMs = 20_000) {
  const ws = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-ws-')), MARK);
  mkdirSync(ws);
  writeFileSync(path.join(ws, 'prog.py'), PROGRAMS[name]!);
  const target: EvaluationTarget = {
    command: ['/usr/bin/python3', '{problem}/evaluate.py'],
    evaluatorDir,
    limits: { wallTimeMs, memoryMb: 512, pids: 64, outputBytes: 16_384 },
  };
  return runEvaluation({ sandbox, workspaceDir: ws, stage: 'screen', seed: 1, target });
}

/** Processes still holding the marker, read from /proc (a fresh Debian has no pgrep). */
const leftovers = (): string[] => describeSurvivors(LEFTOVER);

describe('runEvaluation turns every outcome into data', () => {
  it('a good result is parsed with its timings', async () => {
    const o = await run('good');
    expect(o.status).toBe('ok');
    if (o.status === 'ok') expect(o.result.timings.run).toEqual([0.1, 0.2]);
  });

  it('garbage instead of JSON, a wrong shape, or no result at all is an invalid result', async () => {
    const g = await run('garbage');
    expect(g.status).toBe('invalid-result');
    if (g.status === 'invalid-result') expect(g.reason).toMatch(/not JSON/);
    const b = await run('bad-schema');
    expect(b.status).toBe('invalid-result');
    if (b.status === 'invalid-result') expect(b.reason).toMatch(/correct|metrics/);
    const n = await run('no-result');
    expect(n.status).toBe('invalid-result');
    if (n.status === 'invalid-result') expect(n.reason).toMatch(/no result/);
  });

  it('a non-zero exit is a failure with the stderr tail', async () => {
    const o = await run('crash');
    expect(o.status).toBe('failed');
    if (o.status === 'failed') {
      expect(o.reason).toMatch(/exit code 3/);
      expect(o.stderrTail).toContain('something broke');
      expect(o.feedback).toContain('something broke');
    }
  });

  it('a hang and a SIGTERM-ignoring daemon child time out and leave no process behind', async () => {
    for (const name of ['hang', 'ignores-sigterm-child']) {
      const o = await run(name, 1500);
      expect(o.status).toBe('timeout');
      if (o.status === 'timeout') expect(o.feedback).toMatch(/limit/);
    }
    expect(leftovers()).toEqual([]);
  });

  it('the leftover check itself sees a process that is left behind', () => {
    const child = spawn('/bin/sh', ['-c', `sleep 30; echo ${LEFTOVER}`], { stdio: 'ignore' });
    try {
      execFileSync('sleep', ['0.2']);
      expect(leftovers().join('\n')).toContain(LEFTOVER);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
