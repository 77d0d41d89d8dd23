// Everything `adrs resume` needs besides the store's rows: population, counters, spend, RNG and proposer state.
import { InputError } from '../../core/errors.js';
import type { DatabaseState } from '../population/types.js';

export interface RunState {
  version: 1;
  population: DatabaseState;
  seedId: string;
  /** Candidates finished after the seed. */
  completed: number;
  spentUsd: number;
  /** Wall time summed over the sessions before the current one. */
  elapsedMs: number;
  sinceImprovement: number;
  bestVerified: { id: string; score: number | null; speedup: number | null } | null;
  failures: { proposals: number; evaluations: number };
  /** Candidates whose verification was interrupted: verified first on resume. */
  pendingVerify?: string[];
  /** The best candidate waiting to be verified, and how many evaluations it has stayed the best for. */
  verifyTarget?: { id: string; stableFor: number } | null;
  /** State of proposers that expose getState/setState (the tuner's tried set, a bandit's arms). */
  proposer?: unknown;
}

/** Reads runs.state_json (written by this module); refuses state from an unknown version. */
export function parseRunState(json: string | null, runId: string): RunState {
  if (!json)
    throw new InputError(`run ${runId} has no saved state (it never got past its start; start a new run)`);
  const state = JSON.parse(json) as Partial<RunState>;
  if (state.version !== 1 || !state.population || !state.seedId)
    throw new InputError(`run ${runId}: saved state is from another version of adrs (start a new run)`);
  return state as RunState;
}

/** Duck-typed: proposers with serialisable state. */
export interface Stateful {
  getState(): unknown;
  setState(state: unknown): void;
}

export function isStateful(p: unknown): p is Stateful {
  const o = p as Partial<Stateful> | null;
  return typeof o?.getState === 'function' && typeof o.setState === 'function';
}
