// The event bus: a listener that throws is detached and reported once, the run goes on; Slurm executor events
// reach the bus and the CLI progress view.
import { describe, expect, it } from 'vitest';
import { attachProgress } from '../orchestrator/cli/progress.js';
import { RunEventBus } from '../orchestrator/events.js';
import { evolve } from '../orchestrator/loop/index.js';
import { slurmEventsToBus } from '../orchestrator/loop/slurm-events.js';
import { collect, fakeConfig, fakeEvolve, tempStore } from './fakes/fake-loop.js';
import { scriptedProposer } from './fakes/scripted-proposer.js';

describe('RunEventBus', () => {
  it('detaches a listener that throws, reports it once as a warning, and keeps the others', () => {
    const bus = new RunEventBus();
    const all = collect(bus);
    let calls = 0;
    bus.on('run:progress', () => {
      calls++;
      throw new Error('the terminal went away');
    });
    const seen: number[] = [];
    bus.on('run:progress', (e) => seen.push(e.iteration));
    for (const iteration of [1, 2, 3])
      bus.emit('run:progress', {
        runId: 'r',
        iteration,
        bestScore: null,
        verifiedBestScore: null,
        spentUsd: 0,
        evalsPerMinute: 0,
        inFlight: 0,
      });
    expect(calls).toBe(1);
    expect(seen).toEqual([1, 2, 3]);
    const warnings = all.filter((e) => e.type === 'run:warning');
    expect(warnings).toEqual([
      {
        type: 'run:warning',
        runId: 'r',
        message:
          'an event listener (run:progress) threw on run:progress and was detached: the terminal went away',
      },
    ]);
  });

  it('a warning listener that throws is detached too, without a loop', () => {
    const bus = new RunEventBus();
    let n = 0;
    bus.onAny(() => {
      n++;
      throw new Error('disk full');
    });
    bus.emit('run:warning', { runId: 'r', message: 'x' });
    bus.emit('run:warning', { runId: 'r', message: 'y' });
    expect(n).toBe(1);
  });

  it('a run whose progress listener throws finishes all its iterations', async () => {
    const store = tempStore();
    const bus = new RunEventBus();
    const events = collect(bus);
    bus.on('candidate:evaluated', () => {
      throw new Error('view crashed');
    });
    const r = await evolve(
      fakeEvolve(store, scriptedProposer(['better']), { events: bus, config: fakeConfig({ iterations: 6 }) }),
    );
    expect(r).toMatchObject({ status: 'finished', iterations: 6 });
    expect(events.filter((e) => e.type === 'run:warning' && /view crashed/.test(e.message))).toHaveLength(1);
    expect(events.filter((e) => e.type === 'candidate:evaluated')).toHaveLength(7);
    store.close();
  });
});

describe('Slurm events on the bus', () => {
  it('forwards submissions, retries, requeues, lost nodes and re-attachments, and the progress view shows them', () => {
    const bus = new RunEventBus();
    const events = collect(bus);
    const out: string[] = [];
    const off = attachProgress(bus, { write: (t: string) => out.push(t) }, 10);
    const on = slurmEventsToBus(bus, 'run1');
    on({ type: 'slurm:submit', arrayJobId: '41', evalJobIds: ['e1', 'e2'] });
    on({ type: 'slurm:state', evalJobId: 'e1', slurmJobId: '41_0', state: 'PENDING' }); // first pending: not a requeue
    on({ type: 'slurm:state', evalJobId: 'e1', slurmJobId: '41_0', state: 'RUNNING' });
    on({ type: 'slurm:state', evalJobId: 'e1', slurmJobId: '41_0', state: 'PENDING' }); // ran, pending again
    on({ type: 'slurm:state', evalJobId: 'e2', slurmJobId: '41_1', state: 'NODE_FAIL' });
    on({ type: 'slurm:retry', evalJobId: 'e2', slurmJobId: '41_1', state: 'NODE_FAIL', attempt: 1 });
    on({ type: 'slurm:reattach', evalJobId: 'e3', slurmJobId: '40_2', previousEvalJobId: 'e0' });
    on({ type: 'slurm:submit-failed', error: 'sbatch: error: invalid partition', evalJobIds: ['e4'] });
    on({ type: 'slurm:result', evalJobId: 'e1', slurmJobId: '41_0', status: 'ok' }); // stays local
    off();
    expect(events.map((e) => e.type)).toEqual([
      'slurm:submitted',
      'slurm:requeued',
      'slurm:node-lost',
      'slurm:retried',
      'slurm:reattached',
      'slurm:submit-failed',
    ]);
    expect(events.every((e) => e.runId === 'run1')).toBe(true);
    const text = out.join('');
    expect(text).toContain('slurm: submitted array job 41 (2 evaluations)');
    expect(text).toContain('slurm: job 41_0 requeued (PENDING)');
    expect(text).toContain('slurm: job 41_1 lost its node (NODE_FAIL)');
    expect(text).toContain('slurm: job 41_1 ended NODE_FAIL without a result; retry 1 (e2)');
    expect(text).toContain('slurm: re-attached e3 to job 40_2');
    expect(text).toContain('slurm: sbatch failed for 1 evaluations: sbatch: error: invalid partition');
  });
});
