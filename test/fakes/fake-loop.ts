// Everything evolve() needs, faked where it is slow: the knob problem (loaded, never run), a fake sandbox,
// a fake executor with the knob evaluator in JavaScript, a fake verify stage, and a temp SQLite file.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseRunConfig } from '../../orchestrator/config/load-config.js';
import type { RunConfig, RunConfigInput } from '../../orchestrator/config/run-config.js';
import { RunEventBus, type RunEvent } from '../../orchestrator/events.js';
import type { EvolveOptions } from '../../orchestrator/loop/evolve.js';
import type { RunState } from '../../orchestrator/loop/run-state.js';
import type { VerifyFn } from '../../orchestrator/loop/verify-stage.js';
import type { ProgramDatabase } from '../../orchestrator/population/program-database.js';
import type { Proposer } from '../../orchestrator/proposers/types.js';
import { Store } from '../../orchestrator/store/store.js';
import { loadProblem, type LoadedProblem } from '../../problems/src/load.js';
import { makeKnobProblem } from '../loop-fixture.js';
import { FakeExecutor, knobEvaluate } from './fake-executor.js';
import { FakeSandbox } from './fake-sandbox.js';

let knob: LoadedProblem | undefined;
/**
 * The knob problem with held-out inputs, loaded once per test file. Its static guard is off: the guard's
 * syntax-tree rules start Python for every candidate (most of a fake run's time), and the knob candidates only
 * change numbers. The guard has its own tests (guard*.test.ts) and runs in the real end-to-end loops.
 */
export function knobProblem(): LoadedProblem {
  if (knob) return knob;
  const loaded = loadProblem(makeKnobProblem({ verify: true }));
  knob = { ...loaded, spec: { ...loaded.spec, guard: { ...loaded.spec.guard, enabled: false } } };
  return knob;
}

export const tempDbPath = (): string => path.join(mkdtempSync(path.join(tmpdir(), 'adrs-fake-')), 'adrs.db');
export const tempStore = (): Store => Store.open(tempDbPath());

export const fakeConfig = (c: RunConfigInput = {}): RunConfig =>
  parseRunConfig({ proposer: 'anthropic', iterations: 8, ...c });

/** A verify stage that accepts every candidate with the screen score as its held-out score; records calls. */
export function fakeVerify(): VerifyFn & { calls: string[] } {
  const calls: string[] = [];
  const fn: VerifyFn = async (req) => {
    calls.push(req.candidateId);
    if (req.signal?.aborted)
      return {
        verified: false,
        speedup: null,
        ciLow: null,
        ciHigh: null,
        score: null,
        reason: 'interrupted',
        interrupted: true,
      };
    const score = req.store.getCandidate(req.candidateId).score;
    return {
      verified: true,
      speedup: 1 + (score ?? 0) / 10,
      ciLow: 1,
      ciHigh: 2,
      score,
      reason: 'fake: verified',
    };
  };
  return Object.assign(fn, { calls });
}

export function collect(bus: RunEventBus): RunEvent[] {
  const events: RunEvent[] = [];
  bus.onAny((e) => events.push(e));
  return events;
}

/** evolve() options over fakes; override any of them. */
export function fakeEvolve(
  store: Store,
  proposer: Proposer,
  over: Partial<EvolveOptions> & { config?: RunConfig } = {},
): EvolveOptions {
  return {
    store,
    problem: knobProblem(),
    sandbox: new FakeSandbox(),
    proposer,
    config: fakeConfig(),
    executor: new FakeExecutor(knobEvaluate),
    verify: fakeVerify(),
    events: new RunEventBus(),
    ...over,
  };
}

/** The config of the SIGKILL test's long run: concurrency, small islands (trimming) and frequent migration. */
export const killConfig: RunConfig = fakeConfig({
  iterations: 1_000_000,
  proposalConcurrency: 2,
  evalConcurrency: 2,
  islands: 3,
  islandCapacity: 10,
  migration: { interval: 5, fraction: 0.3 },
});

/** JSON with sorted keys, so equal values hash equally whatever order their keys were set in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A hash of the whole population (islands, grid, archive, RNG) and the run state. */
export function stateHash(db: ProgramDatabase, state: RunState): string {
  return createHash('sha256')
    .update(canonical({ db: db.toJSON(), state }))
    .digest('hex');
}
