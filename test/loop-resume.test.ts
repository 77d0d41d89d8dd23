import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { makeKnobProblem } from './loop-fixture.js';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin', 'adrs.js');

// Builds dist/ for bin/adrs.js. Type errors are npm test's business (it type-checks first); tsc emits regardless.
beforeAll(() => {
  spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    {
      cwd: root,
      stdio: 'ignore',
    },
  );
  expect(existsSync(path.join(root, 'dist', 'orchestrator', 'cli', 'main.js'))).toBe(true);
});

const env = (): NodeJS.ProcessEnv => {
  const out: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return out; // no API keys: the tuner proposes
};

/** Starts `adrs evolve --json`, SIGKILLs it once `killAfter` candidates have been evaluated; returns the run id. */
function evolveAndKill(args: string[], killAfter: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'evolve', ...args, '--json'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let runId = '';
    let evaluated = 0;
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as { type: string; runId: string };
      runId ||= e.runId;
      if (e.type === 'candidate:evaluated' && ++evaluated === killAfter) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && runId) resolve(runId);
      else reject(new Error(`adrs evolve ended before the kill (code ${code}): ${err}`));
    });
  });
}

describe('resume after SIGKILL', () => {
  it('loses nothing stored and never evaluates a stored candidate twice', async () => {
    const problem = makeKnobProblem({ verify: true });
    const db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-resume-')), 'adrs.db');
    const runId = await evolveAndKill(
      [problem, '--iterations', '20', '--proposal-concurrency', '3', '--db', db],
      6,
    );

    const s1 = Store.open(db);
    const before = s1.listCandidates(runId);
    const evaluatedBefore = new Map(
      before.map((c) => [c.id, s1.listEvaluations(c.id).filter((e) => e.stage === 'screen').length]),
    );
    expect(s1.getRun(runId).status).toBe('running'); // killed: nobody marked it
    s1.close();
    expect(before.length).toBeGreaterThanOrEqual(6);

    const resumed = execFileSync(process.execPath, [bin, 'resume', runId, '--db', db], {
      env: env(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(resumed).toMatch(new RegExp(`run ${runId} finished: reached 20 iterations`));

    const s2 = Store.open(db);
    const after = s2.listCandidates(runId);
    const run = s2.getRun(runId);
    for (const c of before) expect(after.map((a) => a.id)).toContain(c.id);
    for (const c of after) {
      const screens = s2.listEvaluations(c.id).filter((e) => e.stage === 'screen').length;
      expect(screens).toBe(c.status === 'proposal-failed' ? 0 : 1);
      // Evaluated before the kill: not evaluated again.
      if ((evaluatedBefore.get(c.id) ?? 0) > 0) expect(screens).toBe(evaluatedBefore.get(c.id));
    }
    expect(after.filter((c) => c.status === 'pending')).toHaveLength(0);
    expect(run.status).toBe('finished');
    expect(run.iterations_done).toBe(20);
    // The tuner's tried set was resumed: no knob assignment was proposed twice.
    const assignments = after
      .filter((c) => c.iteration !== 0)
      .map((c) => JSON.parse(c.edit_json!).knobs as Record<string, string>);
    expect(new Set(assignments.map((a) => JSON.stringify(a))).size).toBe(assignments.length);
    s2.close();
  });
});
