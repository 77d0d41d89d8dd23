// The live progress view of a run on stderr: one updating line on a TTY, plain lines otherwise; and --json output.
import type { RunEvent, RunEventBus, RunEvents } from '../events.js';
import { fmtNumber } from './format.js';

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Subscribes a human progress view; returns a function that ends it (clearing the live line). */
export function attachProgress(bus: RunEventBus, stderr: Stream, total: number): () => void {
  const tty = stderr.isTTY === true;
  let last: RunEvents['run:progress'] | undefined;
  let lineShown = false;
  const say = (text: string): void => {
    if (tty && lineShown) stderr.write('\r\x1b[2K');
    stderr.write(text + '\n');
    lineShown = false;
    if (tty && last) live(last);
  };
  const live = (p: RunEvents['run:progress']): void => {
    const text =
      `iteration ${p.iteration}/${total}  best ${fmtNumber(p.bestScore, 6)}  verified ${fmtNumber(p.verifiedBestScore, 6)}` +
      `  $${p.spentUsd.toFixed(4)}  ${p.evalsPerMinute.toFixed(1)} evals/min`;
    if (tty) {
      stderr.write('\r\x1b[2K' + text);
      lineShown = true;
    } else stderr.write(text + '\n');
  };
  const offs = [
    bus.on('run:start', (e) =>
      say(
        `run ${e.runId}: ${e.problem}, ${e.strategy}, proposer ${e.proposer}${e.resumed ? ' (resumed)' : ''}`,
      ),
    ),
    bus.on('run:progress', (e) => {
      last = e;
      live(e);
    }),
    bus.on('best:improved', (e) =>
      say(`iteration ${e.iteration}: new best ${fmtNumber(e.score, 6)} (${e.candidateId})`),
    ),
    bus.on('candidate:verified', (e) =>
      say(`  ${e.candidateId} ${e.verified ? 'VERIFIED' : 'not verified'}: ${e.reason}`),
    ),
    bus.on('verify:progress', (e) => {
      // One line per look on a TTY would flood it: the live line carries it; plain output gets every 5th pair.
      const text = `  verifying ${e.candidateId}: pair ${e.pair}/${e.maxPairs}${e.speedup !== undefined && e.interval ? `, ${e.speedup.toFixed(3)}x [${e.interval[0].toFixed(3)}, ${e.interval[1].toFixed(3)}]` : ''}`;
      if (tty) {
        stderr.write('\r\x1b[2K' + text);
        lineShown = true;
      } else if (e.pair % 5 === 0 || e.pair === e.maxPairs) stderr.write(text + '\n');
    }),
    bus.on('run:warning', (e) => say(`warning: ${e.message}`)),
    bus.on('slurm:submitted', (e) =>
      say(`slurm: submitted array job ${e.arrayJobId} (${e.evalJobIds.length} evaluations)`),
    ),
    bus.on('slurm:submit-failed', (e) =>
      say(`slurm: sbatch failed for ${e.evalJobIds.length} evaluations: ${e.error}`),
    ),
    bus.on('slurm:retried', (e) =>
      say(
        `slurm: job ${e.slurmJobId} ended ${e.state} without a result; retry ${e.attempt} (${e.evalJobId})`,
      ),
    ),
    bus.on('slurm:requeued', (e) => say(`slurm: job ${e.slurmJobId} requeued (${e.state})`)),
    bus.on('slurm:node-lost', (e) => say(`slurm: job ${e.slurmJobId} lost its node (NODE_FAIL)`)),
    bus.on('slurm:reattached', (e) =>
      say(`slurm: re-attached ${e.evalJobId} to job ${e.slurmJobId ?? '(not yet submitted)'}`),
    ),
  ];
  return () => {
    for (const off of offs) off();
    if (tty && lineShown) stderr.write('\n');
  };
}

/** --json: every event as one line of JSON on stdout. */
export function attachJson(bus: RunEventBus, stdout: Stream): () => void {
  return bus.onAny((event: RunEvent) => stdout.write(JSON.stringify(event) + '\n'));
}
