// The evolution loop: `evolve(options)` starts or resumes a run, pipelines proposals and evaluations, and stops on a condition.
// The parts: persistence.ts (run state and population rows), scheduler.ts (iterations, stop conditions, status),
// proposal.ts, evaluation.ts and verification.ts; this file wires them and runs the pipeline.
import { coerceError } from '../../core/errors.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import type { Sandbox } from '../../sandboxes/types.js';
import type { RunConfig } from '../config/run-config.js';
import { seedFiles } from '../evaluate/workspace.js';
import { RunEventBus } from '../events.js';
import type { Proposer } from '../proposers/types.js';
import type { Executor } from '../executors/types.js';
import type { Store } from '../store/store.js';
import { defaultStopConditions } from './default-stops.js';
import { Evaluation } from './evaluation.js';
import { pendingOf, type LoopContext, type Pending } from './loop-context.js';
import { RunPersistence, type SaveHook } from './persistence.js';
import { runPipeline, type PipelineStats } from './pipeline.js';
import { screenRequeued } from './resume-order.js';
import { ProgramViews } from './program-views.js';
import { Proposal } from './proposal.js';
import type { RunState } from './run-state.js';
import { Scheduler } from './scheduler.js';
import type { StopCondition } from './stop-conditions.js';
import { Verification } from './verification.js';
import { verifyStage, type VerifyFn } from './verify-stage.js';

export interface EvolveOptions {
  store: Store;
  problem: LoadedProblem;
  sandbox: Sandbox;
  proposer: Proposer;
  config: RunConfig;
  /** Continue this run (its saved state) instead of starting a new one. */
  resumeRunId?: string;
  /** Stop conditions; default: those the config names (iterations, budget, wall time, target, plateau). */
  stopWhen?: StopCondition[];
  abortSignal?: AbortSignal;
  events?: RunEventBus;
  /** The verify stage; default: evaluators/verify.ts (held-out inputs, A/B timing against the seed). */
  verify?: VerifyFn;
  /** Prompt templates (contents), run level over problem level. */
  templates?: { system?: string; user?: string };
  /** Runs evaluations elsewhere (e.g. Slurm); default: in this process's sandbox. */
  executor?: Executor;
  /** Builds the executor once the run id is known (a Slurm executor keeps its jobs under the run's id); disposed at the end. */
  makeExecutor?: (runId: string, events: RunEventBus) => Promise<Executor>;
  /** Called inside every save's transaction, before it commits (crash tests compare what resume rebuilds). */
  onSave?: SaveHook;
}

export interface EvolveResult {
  runId: string;
  status: 'finished' | 'stopped' | 'failed';
  reason: string;
  seedId: string;
  seedScore: number | null;
  bestCandidateId: string | null;
  bestScore: number | null;
  bestVerified: RunState['bestVerified'];
  /** Iterations started after the seed (over all sessions). */
  iterations: number;
  spentUsd: number;
  pipeline: PipelineStats | null;
}

export async function evolve(options: EvolveOptions): Promise<EvolveResult> {
  const { store, problem, sandbox, proposer, config } = options;
  const bus = options.events ?? new RunEventBus();
  const signal = options.abortSignal;
  const seedCode = seedFiles(problem);

  // --- start or resume ---
  const run = options.resumeRunId
    ? RunPersistence.resume(store, options.resumeRunId, proposer, config, options.onSave)
    : RunPersistence.start(store, problem, sandbox, proposer, config, seedCode, options.onSave);
  const runId = run.runId;
  if (run.resumed) {
    if (store.getRun(runId).problem_hash !== problem.contentHash)
      bus.emit('run:warning', {
        runId,
        message: `the problem package changed since run ${runId} started (hash differs)`,
      });
    store.updateRun(runId, { status: 'running', error: null });
  }
  bus.emit('run:start', {
    runId,
    problem: problem.spec.name,
    strategy: config.strategy,
    proposer: proposer.name,
    resumed: run.resumed,
  });
  const executor =
    options.executor ?? (options.makeExecutor ? await options.makeExecutor(runId, bus) : undefined);
  const ctx: LoopContext = {
    runId,
    store,
    problem,
    sandbox,
    proposer,
    config,
    bus,
    signal,
    views: new ProgramViews(store),
    seedCode,
    executor,
    templates: options.templates,
  };
  const scheduler = new Scheduler(
    options.stopWhen ?? defaultStopConditions(config),
    run.state,
    run.db,
    signal,
  );
  const initial = reconcile(ctx, run, scheduler);
  run.iterationsStarted = scheduler.started;
  const verification = new Verification(ctx, run, options.verify ?? verifyStage);
  const history = Proposal.historyFrom(ctx, run);
  const evaluation = new Evaluation(ctx, run, verification, history, () => scheduler.started);
  const proposal = new Proposal(ctx, run, scheduler, history, () => evaluation.progress());

  // --- run ---
  let pipeline: PipelineStats | null = null;
  let failure: string | undefined;
  try {
    // The seed first (iteration 0): parents need it.
    const seedPending = initial.findIndex((p) => p.id === run.state.seedId);
    if (seedPending >= 0) await evaluation.evaluateOne(initial.splice(seedPending, 1)[0]!);
    if (!run.db.seed() && !signal?.aborted) throw new Error('the seed could not be added to the population');
    // Resume: requeued candidates (stored, never screened) first, then interrupted verifications (resume-order.ts).
    await screenRequeued(initial.splice(0), config.evalConcurrency, signal, (p) => evaluation.evaluateOne(p));
    await verification.resumeInterrupted();
    if (!signal?.aborted)
      pipeline = await runPipeline<Pending>({
        proposalConcurrency: config.proposalConcurrency,
        evalConcurrency: config.evalConcurrency,
        lookahead: config.proposalConcurrency,
        canPropose: () => scheduler.canPropose(),
        canEvaluate: () => !signal?.aborted,
        propose: () => proposal.proposeOne(),
        evaluate: (p) => evaluation.evaluateOne(p),
        initial,
      });
    // The run's final best is always verified (unless it already was).
    await verification.targetIf(() => true);
  } catch (error) {
    failure = coerceError(error).message;
  }

  const { status, reason } = scheduler.outcome(runId, failure);
  run.iterationsStarted = scheduler.started;
  run.finish(status, status === 'failed' ? reason : null, scheduler.sessionMs);
  if (executor && !options.executor) await executor.dispose();
  const best = run.db.best();
  bus.emit('run:end', {
    runId,
    status,
    reason,
    bestCandidateId: best?.id ?? null,
    bestScore: best?.score ?? null,
  });
  return {
    runId,
    status,
    reason,
    seedId: run.state.seedId,
    seedScore: run.db.seed()?.score ?? null,
    bestCandidateId: best?.id ?? null,
    bestScore: best?.score ?? null,
    bestVerified: run.state.bestVerified,
    iterations: scheduler.started,
    spentUsd: run.state.spentUsd,
    pipeline,
  };
}

/**
 * Reconciles the population with the store: a candidate stored but never evaluated is evaluated now (once); one
 * evaluated but missing from the population (only possible in a database written before both were saved in one
 * transaction) is added from its evaluation. Returns the candidates to evaluate first.
 */
function reconcile(ctx: LoopContext, run: RunPersistence, scheduler: Scheduler): Pending[] {
  const initial: Pending[] = [];
  let added = false;
  for (const row of ctx.store.listCandidates(ctx.runId)) {
    scheduler.seen(row.iteration ?? 0);
    if (run.db.has(row.id) || row.status === 'proposal-failed') continue;
    const files = ctx.views.filesOf(row.id) ?? {};
    const ev = ctx.views.screenEvaluation(row.id);
    if (!ev) {
      initial.push(pendingOf(row, files));
      continue;
    }
    const metrics = JSON.parse(ev.metrics_json) as Record<string, number>;
    run.addProgram(pendingOf(row, files), ev.score, ev.correct === 1 && ev.score !== null, metrics, (id) =>
      ctx.views.filesOf(id),
    );
    added = true;
  }
  if (added) run.save();
  return initial;
}
