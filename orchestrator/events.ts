// Typed `noun:verb` events of a run. The CLI progress view, the store's event log and the web SSE feed subscribe.
import { EventEmitter } from 'node:events';

export interface RunEvents {
  'run:start': { runId: string; problem: string; strategy: string; proposer: string; resumed: boolean };
  'candidate:proposed': {
    runId: string;
    candidateId: string;
    parentId: string | null;
    island: number | null;
    iteration: number;
    proposer: string;
    model: string | null;
    edit: string;
  };
  'candidate:evaluated': {
    runId: string;
    candidateId: string;
    iteration: number;
    status: string;
    score: number | null;
    correct: boolean;
    durationMs: number;
  };
  'candidate:verified': {
    runId: string;
    candidateId: string;
    verified: boolean;
    speedup: number | null;
    ciLow: number | null;
    ciHigh: number | null;
    score: number | null;
    reason: string;
  };
  /** A verification's A/B pairs so far; `interval`/`speedup` once the sequential rule has looked. */
  'verify:progress': {
    runId: string;
    candidateId: string;
    pair: number;
    maxPairs: number;
    interval?: [number, number];
    speedup?: number;
  };
  'best:improved': { runId: string; candidateId: string; score: number; iteration: number };
  'llm:call': {
    runId: string;
    provider: string;
    model: string;
    status: string;
    costUsd: number;
    latencyMs: number;
    inputTokens: number;
    outputTokens: number;
  };
  'run:progress': {
    runId: string;
    iteration: number;
    bestScore: number | null;
    verifiedBestScore: number | null;
    spentUsd: number;
    evalsPerMinute: number;
    inFlight: number;
  };
  'run:warning': { runId: string; message: string };
  /** Slurm executor: an array job was submitted for these evaluations. */
  'slurm:submitted': { runId: string; arrayJobId: string; evalJobIds: string[] };
  /** Slurm executor: sbatch failed; the evaluations are retried (or fail after maxRetries). */
  'slurm:submit-failed': { runId: string; error: string; evalJobIds: string[] };
  /** Slurm executor: a job ended without a result (state, e.g. NODE_FAIL, TIMEOUT) and was submitted again. */
  'slurm:retried': { runId: string; evalJobId: string; slurmJobId: string; state: string; attempt: number };
  /** Slurm executor: a job that was running is pending again (requeued or preempted by Slurm). */
  'slurm:requeued': { runId: string; evalJobId: string; slurmJobId: string; state: string };
  /** Slurm executor: the node running a job failed (NODE_FAIL); the job is retried. */
  'slurm:node-lost': { runId: string; evalJobId: string; slurmJobId: string };
  /** Slurm executor: after a restart, an evaluation found its earlier job and waits for it instead of resubmitting. */
  'slurm:reattached': { runId: string; evalJobId: string; slurmJobId: string | null };
  'run:end': {
    runId: string;
    status: string;
    reason: string;
    bestCandidateId: string | null;
    bestScore: number | null;
  };
}

export type RunEventName = keyof RunEvents;
export type RunEvent = { [K in RunEventName]: { type: K } & RunEvents[K] }[RunEventName];

/**
 * A typed emitter: `on('best:improved', e => ...)`, plus `onAny` for subscribers that log everything.
 * Listeners are isolated: one that throws is detached and reported once as a `run:warning` (to the others);
 * the run and the other listeners go on.
 */
export class RunEventBus {
  private readonly emitter = new EventEmitter();

  emit<K extends RunEventName>(type: K, payload: RunEvents[K]): void {
    const event = { type, ...payload } as RunEvent;
    this.emitter.emit(type, event);
    this.emitter.emit('*', event);
  }

  on<K extends RunEventName>(type: K, listener: (event: { type: K } & RunEvents[K]) => void): () => void {
    // The emitter routes by name, so this channel only ever delivers events of type K (TypeScript cannot see it).
    return this.attach(type, listener as unknown as (event: RunEvent) => void);
  }

  onAny(listener: (event: RunEvent) => void): () => void {
    return this.attach('*', listener);
  }

  private attach(channel: string, listener: (event: RunEvent) => void): () => void {
    const off = (): void => {
      this.emitter.off(channel, guarded);
    };
    const guarded = (event: RunEvent): void => {
      try {
        listener(event);
      } catch (error) {
        off();
        const message = error instanceof Error ? error.message : String(error);
        this.emit('run:warning', {
          runId: event.runId,
          message: `an event listener (${channel === '*' ? 'all events' : channel}) threw on ${event.type} and was detached: ${message}`,
        });
      }
    };
    this.emitter.on(channel, guarded);
    return off;
  }
}
