// Verification through the Slurm executor on the one-node cluster of .ci/slurm.sh: the held-out check and every A/B pair run in one job on the node; the coordinator only stores the verdict.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunEventBus, type RunEvents } from '../orchestrator/events.js';
import { SlurmExecutor } from '../orchestrator/executors/slurm/slurm-executor.js';
import { verifyProgressEvent, verifyStage } from '../orchestrator/loop/verify-stage.js';
import { writeEventsToStore } from '../orchestrator/loop/store-events.js';
import { Store } from '../orchestrator/store/store.js';
import { loadProblem } from '../problems/src/load.js';
import { createSandbox } from '../sandboxes/index.js';
import { FIXTURE, PROBLEM } from './fixtures/gaming/fixture.js';
import { requireClusterUnderCi, slurmUp, workerCommand } from './fixtures/slurm/cluster.js';

requireClusterUnderCi();

function executor(shared: string): SlurmExecutor {
  return new SlurmExecutor({
    sharedDir: shared,
    pollIntervalS: 0.5,
    batchWindowMs: 100,
    workerCommand: workerCommand(),
    jobName: `adrs-verify-${process.pid}`,
  });
}

describe.runIf(slurmUp)('verification with the slurm executor', () => {
  it('runs held-out check and every A/B pair in one job on the node; the verdict carries that job and node', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-verify-slurm-'));
    const shared = path.join(dir, 'shared');
    const store = Store.open(path.join(dir, 'adrs.db'));
    const bus = new RunEventBus();
    const problem = loadProblem(PROBLEM);
    store.upsertProblem({
      name: problem.spec.name,
      contentHash: problem.contentHash,
      dir: problem.dir,
      spec: problem.spec,
    });
    const run = store.createRun({
      problemName: problem.spec.name,
      problemHash: problem.contentHash,
      strategy: 'tune',
      sandbox: 'local',
      config: {},
    });
    writeEventsToStore(bus, store);
    const progress: RunEvents['verify:progress'][] = [];
    bus.on('verify:progress', (e) => progress.push(e));
    const seed = store.insertCandidate({
      problemName: problem.spec.name,
      problemHash: problem.contentHash,
      files: {},
    });
    const files = { 'solve.py': readFileSync(path.join(FIXTURE, 'candidates/honest/solve.py'), 'utf8') };
    const cand = store.insertCandidate({
      problemName: problem.spec.name,
      problemHash: problem.contentHash,
      files,
    });
    const sandbox = await createSandbox('local');
    const ex = executor(shared);
    try {
      const r = await verifyStage({
        store,
        problem,
        sandbox,
        candidateId: cand.id,
        files,
        baselineId: seed.id,
        baselineFiles: {},
        seed: 4242,
        executor: ex,
        onProgress: (p) => bus.emit('verify:progress', verifyProgressEvent(run.id, cand.id, p)),
      });
      expect(r.verified, r.reason).toBe(true);
      expect(r.reason).toMatch(/paired, \d+ pairs .*detectable at 90% power/);
      expect(ex.stats.submitted).toBe(1); // one job for the whole verification

      const row = store.latestVerdict(cand.id)!;
      expect(row.method).toBe('paired-bootstrap-log-ratio');
      const fp = JSON.parse(row.fingerprint_json) as {
        executor?: Record<string, string>;
        sandbox: { kind: string };
      };
      const node = readFileSync('/etc/hostname', 'utf8').trim();
      expect(fp.executor).toMatchObject({
        kind: 'slurm',
        jobId: expect.stringMatching(/^\d+_0$/) as unknown,
      });
      expect(fp.executor?.node?.length ?? 0).toBeGreaterThan(0);
      expect(fp.executor!.host).toBe(node);
      expect(fp.sandbox.kind).toBe('local');
      // Both arms' samples are the job's: as many as the pairs, interleaved.
      const samples = store.samplesForVerdict(row.id);
      expect(samples.filter((s) => s.arm === 'candidate').length).toBe(row.n_candidate);
      expect(samples.filter((s) => s.arm === 'baseline').length).toBe(row.n_candidate);
      // The held-out evaluation the node ran is stored as the candidate's verify-stage evaluation.
      expect(store.listEvaluations(cand.id).some((e) => e.stage === 'verify' && e.status === 'ok')).toBe(
        true,
      );
      // The worker's log shows that it (not the coordinator) verified the candidate.
      const logs = readdirSync(path.join(shared, 'logs')).map((f) =>
        readFileSync(path.join(shared, 'logs', f), 'utf8'),
      );
      expect(logs.join('\n')).toContain(`adrs worker: verification of ${cand.id} -> verified`);
      // Progress came back from the node pair by pair and reached the events table.
      expect(progress.map((p) => p.pair)).toEqual(Array.from({ length: row.n_candidate! }, (_, i) => i + 1));
      expect(progress.at(-1)!.interval![0]).toBeCloseTo(row.ci_low!, 1);
      const stored = store.db
        .prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'verify:progress'")
        .get() as { n: number };
      expect(stored.n).toBe(progress.length);
      expect(readdirSync(path.join(shared, 'inflight'))).toEqual([]);
    } finally {
      await ex.dispose();
      await sandbox.dispose();
      store.close();
    }
  }, 300_000);

  it('a node whose problem package differs gives a "not-run" verdict naming why, not a verdict about the candidate', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-verify-slurm-'));
    const ex = executor(path.join(dir, 'shared'));
    try {
      const r = await ex.verify({
        id: 'v-mismatch',
        candidateId: 'cand_x',
        problemDir: PROBLEM,
        problemHash: 'f'.repeat(64),
        files: {},
        baselineFiles: {},
        baselineCandidateId: null,
        seed: 1,
        sandbox: 'local',
      });
      expect(r.verdict).toMatchObject({ verified: false, correct: false, method: 'not-run' });
      expect(r.verdict.reason).toMatch(
        /differs from the one the run uses \(hash [0-9a-f]{12} != ffffffffffff\)/,
      );
    } finally {
      await ex.dispose();
    }
  }, 180_000);
});
