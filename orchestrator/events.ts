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

/** A typed emitter: `on('best:improved', e => ...)`, plus `onAny` for subscribers that log everything. */
export class RunEventBus {
  private readonly emitter = new EventEmitter();

  emit<K extends RunEventName>(type: K, payload: RunEvents[K]): void {
    const event = { type, ...payload } as RunEvent;
    this.emitter.emit(type, event);
    this.emitter.emit('*', event);
  }

  on<K extends RunEventName>(type: K, listener: (event: { type: K } & RunEvents[K]) => void): () => void {
    this.emitter.on(type, listener);
    return () => this.emitter.off(type, listener);
  }

  onAny(listener: (event: RunEvent) => void): () => void {
    this.emitter.on('*', listener);
    return () => this.emitter.off('*', listener);
  }
}
