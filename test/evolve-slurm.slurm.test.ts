import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../orchestrator/cli/main.js';
import { parseRunConfig } from '../orchestrator/config/load-config.js';
import { createExecutor } from '../orchestrator/executors/index.js';
import { evolve } from '../orchestrator/loop/evolve.js';
import { createTuneProposer } from '../orchestrator/proposers/tune.js';
import { Store } from '../orchestrator/store/store.js';
import { loadProblem } from '../problems/src/load.js';
import { createSandbox } from '../sandboxes/index.js';
import { requireClusterUnderCi, slurmUp, workerCommand } from './fixtures/slurm/cluster.js';

// End to end: a short `adrs evolve --executor slurm` run (offline tuner, no LLM) on the one-node cluster of .ci/slurm.sh.
requireClusterUnderCi();

function sink(): { write(s: string): boolean; text: () => string } {
  let buf = '';
  return { write: (s: string) => ((buf += s), true), text: () => buf };
}

const TUNABLE = path.resolve('test/fixtures/slurm/tunable');

/** Checks a finished run: the seed and three proposals, each screened once with score = its STEP, all through Slurm jobs. */
function checkRun(db: string, shared: string): void {
  const store = Store.open(db);
  try {
    const [run] = store.listRuns();
    expect(run).toBeDefined();
    const candidates = store.listCandidates(run!.id);
    expect(candidates.length).toBe(4);
    for (const c of candidates) {
      const evals = store.listEvaluations(c.id);
      expect(evals.length, c.id).toBeGreaterThanOrEqual(1);
      const files = JSON.parse(c.files_json) as Record<string, string>;
      const step = Number(/^STEP = (\d+)$/m.exec(files['prog.py'] ?? '')?.[1]);
      expect(evals[0]!.status).toBe('ok');
      expect(JSON.parse(evals[0]!.metrics_json)).toEqual({ score: step });
    }
    expect(new Set(candidates.map((c) => JSON.parse(c.files_json)['prog.py'])).size).toBe(4);
    // Every screen evaluation went through a Slurm job: one result file each, nothing left in flight.
    expect(readdirSync(path.join(shared, 'results')).filter((f) => f.endsWith('.json'))).toHaveLength(4);
    expect(readdirSync(path.join(shared, 'inflight'))).toEqual([]);
    expect(readdirSync(path.join(shared, 'logs')).length).toBeGreaterThanOrEqual(4);
  } finally {
    store.close();
  }
}

describe.runIf(slurmUp)('evolution with the slurm executor', () => {
  it('evolve() with createExecutor({ executor: "slurm" }) screens every candidate in a Slurm job', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-evolve-slurm-'));
    const shared = path.join(dir, 'shared');
    const jobName = `adrs-e2e-${process.pid}`;
    const store = Store.open(path.join(dir, 'adrs.db'));
    const sandbox = await createSandbox('local');
    const executor = await createExecutor({
      executor: 'slurm',
      slurm: {
        sharedDir: shared,
        pollIntervalS: 0.5,
        batchWindowMs: 300,
        workerCommand: workerCommand(),
        jobName,
      },
    });
    try {
      const result = await evolve({
        store,
        problem: loadProblem(TUNABLE),
        sandbox,
        proposer: createTuneProposer(),
        config: parseRunConfig({ proposer: 'tune', iterations: 3, evalConcurrency: 2, verify: false }),
        executor,
      });
      expect(result.status).toBe('finished');
      expect(result.bestScore).toBe(8);
    } finally {
      await executor.dispose();
      await sandbox.dispose();
      store.close();
      execFileSync('scancel', ['-n', jobName]);
    }
    checkRun(path.join(dir, 'adrs.db'), shared);
  }, 300_000);

  it('adrs evolve --executor slurm runs a short tuner evolution, every evaluation a Slurm job', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-evolve-slurm-'));
    const db = path.join(dir, 'adrs.db');
    const shared = path.join(dir, 'shared');
    const jobName = `adrs-e2e-${process.pid}`;
    const config = path.join(dir, 'run.json');
    // YAML is a superset of JSON: the run config file carries what has no flag (the worker command, the job name).
    writeFileSync(
      config,
      JSON.stringify({ slurm: { workerCommand: workerCommand(), jobName, batchWindowMs: 300 } }),
    );
    const out = sink();
    const err = sink();
    const code = await runCli(
      [
        'evolve',
        TUNABLE,
        '--proposer=tune',
        '--iterations=3',
        '--eval-concurrency=2',
        '--no-verify',
        `--db=${db}`,
        `--config=${config}`,
        '--executor=slurm',
        `--slurm-shared-dir=${shared}`,
        '--slurm-poll=0.5',
      ],
      { stdout: out, stderr: err, cwd: dir, env: { ...process.env } },
    );
    expect(code, err.text()).toBe(0);

    try {
      checkRun(db, shared);
      // The executor's submissions reach the run's bus: the progress view and the event log show them.
      expect(err.text()).toMatch(/slurm: submitted array job \d+ \(\d+ evaluations?\)/);
      const store = Store.open(db);
      const [run] = store.listRuns();
      const submitted = store.eventsSince(run!.id, 0, 10_000).filter((e) => e.type === 'slurm:submitted');
      store.close();
      expect(submitted.length).toBeGreaterThanOrEqual(1);
    } finally {
      execFileSync('scancel', ['-n', jobName]);
    }
  }, 300_000);
});
