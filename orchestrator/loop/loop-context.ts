// What every part of one evolve() session shares: the run's id, its collaborators and the read-only inputs.
import type { LoadedProblem } from '../../problems/src/load.js';
import type { Sandbox } from '../../sandboxes/types.js';
import type { RunConfig } from '../config/run-config.js';
import type { RunEventBus } from '../events.js';
import type { Executor } from '../executors/types.js';
import type { Proposer } from '../proposers/types.js';
import type { Store } from '../store/store.js';
import type { CandidateRow } from '../store/types.js';
import type { ProgramViews } from './program-views.js';

export interface LoopContext {
  runId: string;
  store: Store;
  problem: LoadedProblem;
  sandbox: Sandbox;
  proposer: Proposer;
  config: RunConfig;
  bus: RunEventBus;
  signal: AbortSignal | undefined;
  views: ProgramViews;
  seedCode: Record<string, string>;
  executor: Executor | undefined;
  /** Prompt templates (contents), run level over problem level. */
  templates: { system?: string; user?: string } | undefined;
}

/** A stored candidate waiting for (or under) evaluation. */
export interface Pending {
  id: string;
  iteration: number;
  files: Record<string, string>;
  parentId: string | null;
  generation: number;
  island: number | null;
  proposer: string | null;
}

export const pendingOf = (row: CandidateRow, files: Record<string, string>): Pending => ({
  id: row.id,
  proposer: row.proposer,
  iteration: row.iteration ?? 0,
  files,
  parentId: row.parent_id,
  generation: row.generation,
  island: row.island,
});

/** The evaluation seed of an iteration: fixed by the run's seed, so a resumed run evaluates as the original would. */
export const evalSeedOf = (config: RunConfig, iteration: number): number => config.seed * 7919 + iteration;
