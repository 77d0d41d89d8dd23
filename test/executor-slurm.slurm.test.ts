import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationOutcome } from '../evaluators/result.js';
import { seedFiles } from '../orchestrator/evaluate/workspace.js';
import { InlineExecutor } from '../orchestrator/executors/inline.js';
import {
  SlurmExecutor,
  type SlurmEvent,
  type SlurmExecutorOptions,
} from '../orchestrator/executors/slurm/slurm-executor.js';
import type { EvalJob } from '../orchestrator/executors/types.js';
import { loadProblem } from '../problems/src/load.js';
import { requireClusterUnderCi, slurmUp, workerCommand } from './fixtures/slurm/cluster.js';

// Needs a Slurm cluster (.ci/slurm.sh starts a one-node one). Workers run the CLI from the sources through tsx.
requireClusterUnderCi();

const WORKER = workerCommand();
const problem = loadProblem(path.resolve('test/fixtures/slurm/tiny'));
const seed = seedFiles(problem);
const program = (edit: (src: string) => string): Record<string, string> => ({
  'prog.py': edit(seed['prog.py']!),
});
const slow = (seconds: number) => program((s) => s.replace('DELAY_S = 0', `DELAY_S = ${seconds}`));
const PROGRAMS: Record<string, Record<string, string>> = {
  seed,
  closedForm: program((s) =>
    s.replace(
      /def sum_squares\(n\):[\s\S]*?return total/,
      'def sum_squares(n):\n    return (n - 1) * n * (2 * n - 1) // 6 if n > 0 else 0',
    ),
  ),
  wrong: program((s) => s.replace('total += i * i', 'total += i * 2')),
  crash: program((s) => s.replace('total = 0', 'raise RuntimeError("boom")')),
};

let n = 0;
function job(
  candidateId: string,
  files: Record<string, string>,
  stage: EvalJob['stage'] = 'screen',
): EvalJob {
  return {
    id: `${candidateId}-${stage}-${Date.now().toString(36)}-${n++}`,
    candidateId,
    problemDir: problem.dir,
    problemHash: problem.contentHash,
    files,
    stage,
    seed: 1,
    sandbox: 'local',
  };
}

const executors: SlurmExecutor[] = [];
function slurm(over: Partial<SlurmExecutorOptions> & { events?: SlurmEvent[] } = {}): SlurmExecutor {
  const { events, ...rest } = over;
  const ex = new SlurmExecutor({
    sharedDir: mkdtempSync(path.join(tmpdir(), 'adrs-slurm-')),
    pollIntervalS: 0.5,
    batchWindowMs: 300,
    workerCommand: WORKER,
    jobName: `adrs-test-${process.pid}`,
    onEvent: (e) => events?.push(e),
    ...rest,
  });
  executors.push(ex);
  return ex;
}

/** Resolves when `pred` holds, checking every 200 ms (fails after `ms`). */
async function until(pred: () => boolean, what: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function metricsOf(o: EvaluationOutcome): unknown {
  return o.status === 'ok' || o.status === 'incorrect'
    ? { status: o.status, metrics: o.result.metrics, checks: o.result.checks }
    : { status: o.status };
}

/** Whether a process with this text in its command line runs. */
function running(text: string): boolean {
  try {
    execFileSync('pgrep', ['-f', text], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function squeueIds(): string[] {
  return execFileSync('squeue', ['-h', '-r', '-n', `adrs-test-${process.pid}`, '-o', '%i'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

// Generous limits: a loaded 2-core CI machine runs two jobs at a time, and a requeued job waits out cred_expire.
describe.runIf(slurmUp)('slurm executor on a real cluster', { timeout: 300_000 }, () => {
  beforeAll(() => {
    // Nothing of an earlier run of this file may hold the node.
    execFileSync('scancel', ['-n', `adrs-test-${process.pid}`]);
  });
  afterAll(async () => {
    for (const ex of executors) await ex.dispose();
    execFileSync('scancel', ['-n', `adrs-test-${process.pid}`]);
  });

  it('evaluates a batch in one array job, with the same outcomes as the inline executor', async () => {
    const events: SlurmEvent[] = [];
    const ex = slurm({ events });
    const names = Object.keys(PROGRAMS);
    const viaSlurm = await Promise.all(names.map((name) => ex.run(job(name, PROGRAMS[name]!))));
    const inline = new InlineExecutor();
    const viaInline: EvaluationOutcome[] = [];
    for (const name of names) viaInline.push(await inline.run(job(name, PROGRAMS[name]!)));
    await inline.dispose();

    expect(viaSlurm.map((o) => o.status)).toEqual(['ok', 'ok', 'incorrect', 'failed']);
    expect(viaSlurm.map(metricsOf)).toEqual(viaInline.map(metricsOf));
    const crash = viaSlurm[3]!;
    expect(crash.status === 'failed' && crash.stderrTail).toMatch(/boom/);
    const submits = events.filter((e) => e.type === 'slurm:submit');
    expect(submits).toHaveLength(1);
    expect(submits[0]!.evalJobIds).toHaveLength(names.length);
    expect(ex.stats).toMatchObject({ submitted: names.length, arrays: 1, retried: 0 });
    expect(ex.resume()).toEqual([]); // nothing left in flight
  });

  it('retries a job cancelled with scancel while it runs, and returns the retry outcome', async () => {
    const events: SlurmEvent[] = [];
    const ex = slurm({ events, maxRetries: 2 });
    const pending = ex.run(job('cancelled', slow(4)));
    await until(
      () => events.some((e) => e.type === 'slurm:state' && e.state === 'RUNNING'),
      'the job to run',
    );
    const first = events.find((e) => e.type === 'slurm:submit')!;
    execFileSync('scancel', [`${first.arrayJobId}_0`]);
    const outcome = await pending;

    expect(metricsOf(outcome)).toEqual(metricsOf(await new InlineExecutor().run(job('cancelled', seed))));
    const retry = events.find((e) => e.type === 'slurm:retry');
    expect(retry).toMatchObject({ state: 'CANCELLED', slurmJobId: `${first.arrayJobId}_0`, attempt: 1 });
    const submits = events.filter((e) => e.type === 'slurm:submit');
    expect(submits).toHaveLength(2);
    expect(submits[1]!.arrayJobId).not.toBe(first.arrayJobId);
    expect(ex.stats).toMatchObject({ submitted: 2, retried: 1 });
  });

  it('gives up after the retries with a failed outcome naming the job and its state', async () => {
    const events: SlurmEvent[] = [];
    const ex = slurm({ events, maxRetries: 0 });
    const pending = ex.run(job('given-up', slow(30)));
    await until(
      () => events.some((e) => e.type === 'slurm:state' && e.state === 'RUNNING'),
      'the job to run',
    );
    const id = `${events.find((e) => e.type === 'slurm:submit')!.arrayJobId}_0`;
    execFileSync('scancel', [id]);
    const outcome = await pending;
    expect(outcome.status).toBe('failed');
    // The exit code shows when the tracker saw it (scontrol/sacct), which depends on timing.
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      new RegExp(`^slurm job ${id} CANCELLED(, exit \\d+:\\d+)? \\(retried 0x\\)$`),
    );
    expect(ex.stats.submitted).toBe(1);
  });

  it('cancels a job that runs past its own wall limit and reports a timeout', async () => {
    const events: SlurmEvent[] = [];
    const ex = slurm({ events, maxRetries: 0, wallLimitS: 8 });
    const marker = `97.${process.pid}`;
    const sleeper = program(
      (src) => `import subprocess\nsubprocess.run(["/bin/sleep", "${marker}"])\n${src}`,
    );
    const pending = ex.run(job('too-slow', sleeper));
    await until(() => running(`sleep ${marker}`), 'the candidate to start', 60_000);
    const outcome = await pending;
    expect(outcome.status).toBe('timeout');
    expect(outcome.status === 'timeout' && outcome.reason).toMatch(
      /^slurm job \d+_0 TIMEOUT, ran past the adrs wall limit of 8 s \(retried 0x\)$/,
    );
    const id = `${events.find((e) => e.type === 'slurm:submit')!.arrayJobId}_0`;
    await until(() => !squeueIds().includes(id), 'the cancelled job to leave the queue', 30_000);
    await until(() => !running(`sleep ${marker}`), "the cancelled job's processes to end", 30_000);
  });

  it('keeps waiting through a requeue (as after preemption) and uses the rerun result', async () => {
    const events: SlurmEvent[] = [];
    const ex = slurm({ events, maxRetries: 0 });
    const pending = ex.run(job('requeued', slow(4)));
    await until(
      () => events.some((e) => e.type === 'slurm:state' && e.state === 'RUNNING'),
      'the job to run',
    );
    const id = `${events.find((e) => e.type === 'slurm:submit')!.arrayJobId}_0`;
    execFileSync('scontrol', ['requeue', id]);
    const outcome = await pending;
    expect(outcome.status).toBe('ok');
    expect(ex.stats).toMatchObject({ submitted: 1, retried: 0 });
    const restarts = execFileSync('scontrol', ['show', 'job', '-o', id], { encoding: 'utf8' });
    expect(restarts).toMatch(/Restarts=1\b/);
  });

  it('a restarted coordinator re-attaches to jobs in flight and to finished ones without resubmitting', async () => {
    const eventsA: SlurmEvent[] = [];
    // The first coordinator never polls (it "crashes" before it sees any result).
    const a = slurm({ events: eventsA, pollIntervalS: 3600 });
    const jobs = {
      quick: job('quick', seed),
      slowA: job('slow-a', slow(5)),
      slowB: job(
        'slow-b',
        program((s) => s.replace('DELAY_S = 0', 'DELAY_S = 6')),
      ),
    };
    const runsA = Object.values(jobs).map((j) => a.run(j).catch((e: Error) => e));
    await until(() => eventsA.some((e) => e.type === 'slurm:submit'), 'the submission');
    const sharedDir = a.dir.root;
    const records = a.resume(); // a's own jobs are not orphans
    expect(records).toEqual([]);
    await until(
      () => existsSync(path.join(sharedDir, 'results', `${jobs.quick.id}.json`)),
      'the quick result',
    );
    await a.dispose();
    for (const r of await Promise.all(runsA)) expect(r).toBeInstanceOf(Error);

    const eventsB: SlurmEvent[] = [];
    const b = slurm({ events: eventsB, sharedDir });
    const table = b.resume();
    expect(table.map((r) => r.candidateId).sort()).toEqual(['quick', 'slow-a', 'slow-b']);
    expect(new Set(table.map((r) => r.slurmJobId?.split('_')[0])).size).toBe(1);
    // New EvalJob ids (as a resumed loop makes), same candidates and stages.
    const again = Object.values(jobs).map((j) => ({ ...j, id: `${j.id}-resumed` }));
    const outcomes = await Promise.all(again.map((j) => b.run(j)));
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    expect(b.stats).toMatchObject({ submitted: 0, reattached: 3, retried: 0 });
    expect(eventsB.filter((e) => e.type === 'slurm:submit')).toEqual([]);
    expect(
      eventsB
        .filter((e) => e.type === 'slurm:reattach')
        .map((e) => e.type === 'slurm:reattach' && e.slurmJobId)
        .sort(),
    ).toEqual(table.map((r) => r.slurmJobId).sort());
    expect(b.resume()).toEqual([]);
  });
});
