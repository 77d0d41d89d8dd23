import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedFiles } from '../orchestrator/evaluate/workspace.js';
import { createExecutor } from '../orchestrator/executors/index.js';
import { InlineExecutor } from '../orchestrator/executors/inline.js';
import { writeJsonAtomic } from '../orchestrator/executors/slurm/shared-dir.js';
import { runWorkerJob } from '../orchestrator/executors/slurm/worker-job.js';
import type { EvalJob } from '../orchestrator/executors/types.js';
import { loadProblem } from '../problems/src/load.js';

const problem = loadProblem(path.resolve('test/fixtures/slurm/tiny'));
const seed = seedFiles(problem);
const wrong = { 'prog.py': seed['prog.py']!.replace('total += i * i', 'total += i * 2') };
const executor = new InlineExecutor();
afterAll(() => executor.dispose());

function job(over: Partial<EvalJob> = {}): EvalJob {
  return {
    id: `c-screen-${Math.random().toString(36).slice(2)}`,
    candidateId: 'c',
    problemDir: problem.dir,
    problemHash: problem.contentHash,
    files: seed,
    stage: 'screen',
    seed: 1,
    sandbox: 'local',
    ...over,
  };
}

describe('inline executor', () => {
  it('evaluates a candidate in the local sandbox and returns its metrics', async () => {
    const ok = await executor.run(job());
    expect(ok.status).toBe('ok');
    if (ok.status !== 'ok') return;
    expect(ok.result.metrics).toEqual({ score: 1, value: 332833500 });
    const bad = await executor.run(job({ files: wrong }));
    expect(bad.status).toBe('incorrect');
    if (bad.status === 'incorrect') expect(bad.result.metrics.score).toBeLessThan(1);
  });

  it('returns failures as data: a changed problem package, a missing one, an escaping file, an unknown sandbox', async () => {
    const changed = await executor.run(job({ problemHash: 'f'.repeat(64) }));
    expect(changed).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/differs from the one the run uses/),
    });
    const missing = await executor.run(job({ problemDir: path.join(tmpdir(), 'adrs-no-such-problem') }));
    expect(missing).toMatchObject({ status: 'failed', reason: expect.stringMatching(/unreadable here/) });
    const escape = await executor.run(job({ files: { '../escape.py': 'x' } }));
    expect(escape).toMatchObject({
      status: 'refused',
      reason: expect.stringMatching(/escapes the workspace/),
    });
    const sandbox = await executor.run(job({ sandbox: 'vm' }));
    expect(sandbox).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/sandbox vm unavailable/),
    });
  });

  it('createExecutor picks inline by default and refuses an unknown kind with the flag named', async () => {
    const ex = await createExecutor();
    expect(ex.kind).toBe('inline');
    await ex.dispose();
    await expect(createExecutor({ executor: 'k8s' })).rejects.toThrow(/--executor k8s: unknown executor/);
  });
});

describe('adrs worker job (what a Slurm job runs)', () => {
  it('writes the outcome atomically once, and a second run (a requeued job) reuses it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-worker-'));
    const jobFile = path.join(dir, 'job.json');
    const resultFile = path.join(dir, 'results', 'r.json');
    writeJsonAtomic(jobFile, { version: 1, job: job(), resultFile, sandbox: 'local' });
    const first = await runWorkerJob(jobFile);
    expect(first.reused).toBe(false);
    expect(first.outcome.status).toBe('ok');
    const written = JSON.parse(readFileSync(resultFile, 'utf8'));
    expect(written.status).toBe('ok');
    expect(readdirSync(path.dirname(resultFile))).toEqual(['r.json']); // no temp file left behind
    const mtime = statSync(resultFile).mtimeMs;
    const second = await runWorkerJob(jobFile);
    expect(second.reused).toBe(true);
    expect(second.outcome).toEqual(first.outcome);
    expect(statSync(resultFile).mtimeMs).toBe(mtime);
  });

  it('writes no result when told to stop while it evaluated (scancel): the coordinator retries instead', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-worker-'));
    const jobFile = path.join(dir, 'job.json');
    const resultFile = path.join(dir, 'results', 'r.json');
    writeJsonAtomic(jobFile, { version: 1, job: job(), resultFile, sandbox: 'local' });
    const stop = new AbortController();
    stop.abort(new Error('SIGTERM'));
    const r = await runWorkerJob(jobFile, stop.signal);
    expect(r.interrupted).toBe(true);
    expect(existsSync(resultFile)).toBe(false);
    const again = await runWorkerJob(jobFile); // the resubmitted job
    expect(again).toMatchObject({ interrupted: false, reused: false });
    expect(existsSync(resultFile)).toBe(true);
  });

  it('refuses a malformed job file with the file and field named', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-worker-'));
    const jobFile = path.join(dir, 'job.json');
    writeJsonAtomic(jobFile, {
      version: 1,
      job: { ...job(), stage: 'later' },
      resultFile: path.join(dir, 'r.json'),
      sandbox: 'local',
    });
    await expect(runWorkerJob(jobFile)).rejects.toThrow(/job\.json: field "job\.stage"/);
    expect(existsSync(path.join(dir, 'r.json'))).toBe(false);
  });
});
