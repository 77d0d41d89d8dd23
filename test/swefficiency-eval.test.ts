// SWE-fficiency evaluator on the fixture instances in the local sandbox: expert speedups, gating, guard, isolation.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { median } from 'simple-statistics';
import { afterAll, describe, expect, it } from 'vitest';
import { guardDiff } from '../evaluators/guard/check.js';
import { gitDiff } from '../orchestrator/export/git-diff.js';
import { materializeWorkspace } from '../orchestrator/evaluate/workspace.js';
import { buildRepoFromFiles } from '../problems/src/swefficiency/git-repo.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import {
  BASE_FILES_DIR,
  EXPERT,
  evaluateFiles,
  fixtureInstances,
  fixtureProblem,
  fixtureText,
  REPOS_DIR,
  resultOf,
} from './fixtures/swe/fixture.js';
import { loadInstanceProblem } from '../problems/src/swefficiency/package.js';

let pytest = true;
try {
  execFileSync('/usr/bin/python3', ['-c', 'import pytest'], { stdio: 'ignore' });
} catch {
  pytest = false;
  const msg =
    '*** swefficiency-eval: SKIPPED: /usr/bin/python3 lacks pytest (apt-get install python3-pytest) ***';
  if (process.env.CI === 'true') throw new Error(msg + ' CI=true: failing instead of skipping');
  console.warn(`\n${msg}\n`);
}

const sandbox = new LocalSandbox();
afterAll(() => sandbox.dispose());

describe.runIf(pytest)('swefficiency evaluator (fixture instances, local sandbox)', () => {
  it("builds the fixture repository deterministically at the instances' base_commit", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-swe-repo-'));
    try {
      const commit = await buildRepoFromFiles(BASE_FILES_DIR, path.join(dir, 'repo'));
      const instances = await fixtureInstances();
      expect(instances.length).toBe(3);
      for (const i of instances) expect(i.base_commit).toBe(commit);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const n of [1, 2, 3]) {
    it(`instance ${n}: the expert patch reproduces a large speedup and keeps PASS_TO_PASS green`, async () => {
      const problem = await fixtureProblem(n);
      const r = resultOf(await evaluateFiles(sandbox, problem, { [EXPERT[n]!.file]: EXPERT[n]!.text }));
      expect(r.correct, r.feedback).toBe(true);
      // Quadratic -> linear on these sizes is 10x-200x on an idle machine; 3x leaves room for a loaded one.
      expect(r.metrics.speedup).toBeGreaterThan(3);
      expect(r.metrics.p2p_passed).toBe(r.metrics.p2p_total);
      // The repeats the mean is taken over: the workload's runtimes[-4:] of 6, as the official harness counts them.
      expect(r.timings.pre?.length).toBe(4);
      expect(r.timings.post?.length).toBe(4);
    }, 60_000);
  }

  it('a patch that breaks a test scores 1.0, even when it also rewrites that test (tests are reset to base)', async () => {
    const problem = await fixtureProblem(1);
    const r = resultOf(
      await evaluateFiles(sandbox, problem, {
        'textstats/core.py': fixtureText('candidates/broken-core.py'),
        'tests/test_core.py': fixtureText('candidates/broken-test_core.py'),
      }),
    );
    expect(r.correct).toBe(false);
    expect(r.metrics.raw_speedup).toBeGreaterThan(3); // it is fast ...
    expect(r.metrics.speedup).toBe(1); // ... and counts as no speedup
    // It changes results too, so the differential check may refuse it before the tests run; either way
    // the reason is shown. With the differential checks off, the PASS_TO_PASS gate alone refuses it.
    expect(r.feedback).toMatch(/test_word_counts_order_of_first_occurrence|differential/);
    const gateOnly = await loadInstanceProblem((await fixtureInstances())[0]!, {
      reposDir: REPOS_DIR,
      timeoutS: 300,
      differential: { enabled: false },
    });
    const g = resultOf(
      await evaluateFiles(sandbox, gateOnly, {
        'textstats/core.py': fixtureText('candidates/broken-core.py'),
        'tests/test_core.py': fixtureText('candidates/broken-test_core.py'),
      }),
    );
    expect(g.metrics.speedup).toBe(1);
    expect(g.feedback).toContain('test_word_counts_order_of_first_occurrence');
  }, 60_000);

  it('an introspecting patch is refused by both guards (TypeScript on the diff, Python AST in the sandbox)', async () => {
    const problem = await fixtureProblem(1);
    const base = { 'textstats/core.py': fixtureText('repos/adrs-fixtures__textstats/textstats/core.py') };
    const files = { 'textstats/core.py': fixtureText('candidates/introspect-core.py') };
    const ts = guardDiff(gitDiff(base, files));
    expect(ts.ok).toBe(false);
    expect(ts.violations[0]?.rule).toBe('introspection');
    const r = resultOf(await evaluateFiles(sandbox, problem, files));
    expect(r.correct).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    expect(r.checks.find((c) => c.name === 'introspection-guard')?.ok).toBe(false);
    expect(r.feedback).toContain('sys._getframe');
  }, 60_000);

  it('a patch that brings compiled code (a .so; bytecode) is refused, naming the files', async () => {
    // The trusted bytecode cache vouches only for base_commit's modules; bytecode or a native module a patch brings
    // would load in place of (or beside) the source the tests and the differential checks read.
    const problem = await fixtureProblem(1);
    const files = {
      'textstats/core.py': fixtureText('repos/adrs-fixtures__textstats/textstats/core.py'),
      'textstats/__pycache__/core.cpython-311.pyc': 'not really bytecode\n',
      'textstats/_speed.so': 'not really a library\n',
    };
    const r = resultOf(await evaluateFiles(sandbox, problem, files));
    expect(r.correct).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    const guard = r.checks.find((c) => c.name === 'introspection-guard');
    expect(guard?.ok, r.feedback).toBe(false);
    expect(guard?.detail).toContain('textstats/_speed.so');
    // This repository's .gitignore lists __pycache__/ and *.pyc: the bytecode is removed before the patch is made
    // (a git-ignored file the workspace brought); in a repository without those lines the guard names it.
    expect(guard?.detail).not.toContain('core.py:');
    expect(r.feedback).toMatch(/the patch brings compiled code \(textstats\/_speed\.so\)/);
  }, 60_000);

  it('a cache that only speeds up repeats after the first gains nothing: every repeat runs in a fresh process', async () => {
    const problem = await fixtureProblem(1);
    const files = { 'textstats/core.py': fixtureText('candidates/cache-core.py') };
    // One screen measurement of this ~0.2 s workload swings with the machine's load (0.80-2.09x at load 7 for a
    // true ~1x), so the bound is on the median of three evaluations, each with its own pre and post.
    const speedups: number[] = [];
    for (let k = 0; k < 3; k++) {
      const r = resultOf(await evaluateFiles(sandbox, problem, files));
      expect(r.correct, r.feedback).toBe(true);
      speedups.push(Number(r.metrics.speedup));
    }
    expect(median(speedups), `speedups ${speedups.join(', ')}`).toBeLessThan(1.5);
    // The same workload without per-repeat isolation: the cache would have looked like a large speedup.
    const ws = materializeWorkspace(problem, files);
    const session = await sandbox.open({
      workspaceDir: ws.dir,
      readonlyDirs: { problem: problem.evaluatorDir },
      limits: { wallTimeMs: 60_000, memoryMb: 2048, pids: 64, outputBytes: 65536 },
    });
    try {
      const mean = async (extra: string[]): Promise<number> => {
        const res = await session.exec(
          [
            '/usr/bin/python3',
            `${session.mounts.problem}/swe_workload.py`,
            `${session.mounts.problem}/workload.py`,
            ...extra,
          ],
          { env: { PYTHONPATH: session.workspace, PYTHONDONTWRITEBYTECODE: '1' } },
        );
        const m = /Mean:\s*(\S+)/.exec(res.stdoutTail);
        expect(m, res.stderrTail).not.toBeNull();
        return Number(m![1]);
      };
      const isolated = await mean([]);
      const shared = await mean(['--no-isolation']);
      expect(isolated / shared).toBeGreaterThan(5);
    } finally {
      await session.close();
      ws.dispose();
    }
  }, 180_000);

  it('swe_workload --jobs forks each helper before the workload, untimed; a failure stops the later ones, not the workload', async () => {
    const problem = await fixtureProblem(1);
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-swe-jobs-'));
    try {
      const script = (name: string, body: string): string => {
        writeFileSync(path.join(dir, name), body);
        return path.join(dir, name);
      };
      // Each job sees its own argv, the folder it is given, and none of the workload's modules.
      const ok = script(
        'ok.py',
        `import os, sys\nopen(sys.argv[1], "w").write(os.getcwd() + " " + str("textstats" in sys.modules))\n`,
      );
      const fails = script(
        'fails.py',
        'import sys\nprint("broken on purpose", file=sys.stderr)\nsys.exit(3)\n',
      );
      const slow = script('slow.py', 'import time\ntime.sleep(30)\n');
      const run = (jobs: object[]): { out: string; done: Record<string, { rc: number; log: string }> } => {
        writeFileSync(
          path.join(dir, 'jobs.json'),
          JSON.stringify({ jobs, report: path.join(dir, 'done.json'), logs: dir }),
        );
        const out = execFileSync(
          '/usr/bin/python3',
          [
            path.join(problem.evaluatorDir, 'swe_workload.py'),
            path.join(problem.evaluatorDir, 'workload.py'),
            '--jobs',
            path.join(dir, 'jobs.json'),
          ],
          {
            cwd: problem.seedDir,
            env: { ...process.env, PYTHONPATH: problem.seedDir, PYTHONDONTWRITEBYTECODE: '1' },
            encoding: 'utf8',
          },
        );
        return { out, done: JSON.parse(readFileSync(path.join(dir, 'done.json'), 'utf8')) };
      };
      const a = run([
        { label: 'first', script: ok, argv: [path.join(dir, 'first.txt')], cwd: dir },
        { label: 'broken', script: fails, argv: [] },
        { label: 'never', script: ok, argv: [path.join(dir, 'never.txt')] },
      ]);
      expect(a.out).toMatch(/Mean:/); // the workload ran and was timed regardless
      expect(readFileSync(path.join(dir, 'first.txt'), 'utf8')).toBe(`${dir} False`);
      expect(a.done.first!.rc).toBe(0);
      expect(a.done.broken!.rc).toBe(3);
      expect(a.done.broken!.log).toContain('broken on purpose');
      expect(a.done).not.toHaveProperty('never');
      expect(a.out).not.toContain('broken on purpose'); // a job's output stays out of the workload's
      const b = run([{ label: 'slow', script: slow, argv: [], timeout_s: 1 }]);
      expect(b.done.slow!.rc).toBe(-14); // SIGALRM: its time limit
      // Neighbours of one group run side by side: the first waits for a file only the second writes.
      const waits = script(
        'waits.py',
        'import os, sys, time\nfor _ in range(200):\n    if os.path.exists(sys.argv[1]): sys.exit(0)\n    time.sleep(0.05)\nsys.exit(4)\n',
      );
      const flag = path.join(dir, 'flag');
      const c = run([
        { label: 'waits', script: waits, argv: [flag], group: 'g' },
        { label: 'writes', script: ok, argv: [flag], group: 'g' },
      ]);
      expect(c.done.waits!.rc).toBe(0);
      expect(c.done.writes!.rc).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the time stage reports one workload mean per sample', async () => {
    const problem = await fixtureProblem(3);
    const r = resultOf(await evaluateFiles(sandbox, problem, { [EXPERT[3]!.file]: EXPERT[3]!.text }, 'time'));
    expect(r.correct).toBe(true);
    expect(r.timings.workload?.length).toBe(1);
    expect(r.timings.workload![0]).toBeGreaterThan(0);
  }, 60_000);
});
