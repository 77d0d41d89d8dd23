// Forwards what the Slurm executor reports to the run's event bus: submissions, retries, requeues, lost nodes
// and re-attachments (so the CLI progress and the run page show them). Per-poll state changes stay local.
import type { RunEventBus } from '../events.js';
import type { SlurmEvent } from '../executors/index.js';

/** States Slurm shows for a job that is waiting again after it ran (requeued, preempted, held on requeue). */
const WAITING_AGAIN = /^(PENDING|REQUEUED|REQUEUE_HOLD|REQUEUE_FED|PREEMPTED)$/;

export function slurmEventsToBus(bus: RunEventBus, runId: string): (event: SlurmEvent) => void {
  const ran = new Set<string>();
  const lost = new Set<string>();
  const nodeLost = (evalJobId: string, slurmJobId: string): void => {
    if (lost.has(slurmJobId)) return;
    lost.add(slurmJobId);
    bus.emit('slurm:node-lost', { runId, evalJobId, slurmJobId });
  };
  return (e) => {
    switch (e.type) {
      case 'slurm:submit':
        bus.emit('slurm:submitted', { runId, arrayJobId: e.arrayJobId, evalJobIds: e.evalJobIds });
        return;
      case 'slurm:submit-failed':
        bus.emit('slurm:submit-failed', { runId, error: e.error, evalJobIds: e.evalJobIds });
        return;
      case 'slurm:retry':
        if (e.state === 'NODE_FAIL') nodeLost(e.evalJobId, e.slurmJobId);
        bus.emit('slurm:retried', {
          runId,
          evalJobId: e.evalJobId,
          slurmJobId: e.slurmJobId,
          state: e.state,
          attempt: e.attempt,
        });
        return;
      case 'slurm:state':
        if (e.state === 'NODE_FAIL') nodeLost(e.evalJobId, e.slurmJobId);
        if (e.state === 'RUNNING') ran.add(e.slurmJobId);
        else if (ran.has(e.slurmJobId) && WAITING_AGAIN.test(e.state)) {
          ran.delete(e.slurmJobId);
          bus.emit('slurm:requeued', {
            runId,
            evalJobId: e.evalJobId,
            slurmJobId: e.slurmJobId,
            state: e.state,
          });
        }
        return;
      case 'slurm:reattach':
        bus.emit('slurm:reattached', { runId, evalJobId: e.evalJobId, slurmJobId: e.slurmJobId });
        return;
      default:
        return;
    }
  };
}
