// The evolution loop: `evolve(options)` starts or resumes a run, pipelines proposals and evaluations, and stops on a condition.
import { createTwoFilesPatch } from 'diff';
import { coerceError } from '../../core/errors.js';
import type { EvaluationOutcome } from '../../evaluators/result.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import type { Sandbox } from '../../sandboxes/types.js';
import { populationConfig, type RunConfig } from '../config/run-config.js';
import { recordOutcome } from '../evaluate/evaluate-candidate.js';
import { seedFiles } from '../evaluate/workspace.js';
import { RunEventBus } from '../events.js';
import { ProgramDatabase } from '../population/program-database.js';
import type { AttemptView, Proposer } from '../proposers/types.js';
import type { Executor } from '../executors/types.js';
import type { Store } from '../store/store.js';
import type { CandidateRow } from '../store/types.js';
import { compareVerified } from '../store/verified-best.js';
import { runPipeline, type PipelineStats } from './pipeline.js';
import { attemptOf, ProgramViews } from './program-views.js';
import { isStateful, parseRunState, type RunState } from './run-state.js';
import { runStage } from '../evaluate/run-stage.js';
import { defaultStopConditions } from './default-stops.js';
import { firstMet, type LoopStatus, type StopCondition } from './stop-conditions.js';
import { hasVerifyStage, verifyStage, type VerifyFn } from './verify-stage.js';

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
  makeExecutor?: (runId: string) => Promise<Executor>;
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

interface Pending {
  id: string;
  iteration: number;
  files: Record<string, string>;
  parentId: string | null;
  generation: number;
  island: number | null;
  proposer: string | null;
}

const pendingOf = (row: CandidateRow, files: Record<string, string>): Pending => ({
  id: row.id,
  proposer: row.proposer,
  iteration: row.iteration ?? 0,
  files,
  parentId: row.parent_id,
  generation: row.generation,
  island: row.island,
});

export async function evolve(options: EvolveOptions): Promise<EvolveResult> {
  const { store, problem, sandbox, proposer, config } = options;
  const bus = options.events ?? new RunEventBus();
  const signal = options.abortSignal;
  const views = new ProgramViews(store);
  const seedCode = seedFiles(problem);
  const stops = options.stopWhen ?? defaultStopConditions(config);
  const verify = options.verify ?? verifyStage;
  const sessionStart = Date.now();
  // Ensembles learn from outcomes (a bandit over models): told once per finished proposal.
  const observe = (proposer as Partial<Observer>).observe?.bind(proposer);

  // --- start or resume ---
  let runId: string;
  let state: RunState;
  let db: ProgramDatabase;
  const resumed = options.resumeRunId !== undefined;
  const initial: Pending[] = [];
  let nextIteration = 1;
  if (options.resumeRunId) {
    const run = store.getRun(options.resumeRunId);
    runId = run.id;
    state = parseRunState(run.state_json, run.id);
    db = ProgramDatabase.restore(populationConfig(config), state.population);
    if (state.proposer !== undefined && isStateful(proposer)) proposer.setState(state.proposer);
    if (run.problem_hash !== problem.contentHash)
      bus.emit('run:warning', {
        runId,
        message: `the problem package changed since run ${runId} started (hash differs)`,
      });
    store.updateRun(runId, { status: 'running', error: null });
  } else {
    store.upsertProblem({
      name: problem.spec.name,
      contentHash: problem.contentHash,
      dir: problem.dir,
      spec: problem.spec,
    });
    const run = store.createRun({
      problemName: problem.spec.name,
      problemHash: problem.contentHash,
      strategy: config.strategy,
      proposer: proposer.name,
      model: proposer.model ?? undefined,
      sandbox: sandbox.kind,
      // The price table in force is recorded with the run (and reused on resume): prices change.
      config: { ...config, prices: { ...pricesOf(proposer), ...config.prices } },
    });
    runId = run.id;
    db = ProgramDatabase.create(populationConfig(config), config.seed);
    const seed = store.insertCandidate({
      runId,
      problemName: problem.spec.name,
      problemHash: problem.contentHash,
      files: seedCode,
      proposer: 'seed',
      generation: 0,
      iteration: 0,
    });
    state = {
      version: 1,
      population: db.toJSON(),
      seedId: seed.id,
      completed: 0,
      spentUsd: 0,
      elapsedMs: 0,
      sinceImprovement: 0,
      bestVerified: null,
      failures: { proposals: 0, evaluations: 0 },
    };
    store.updateRun(runId, { state });
  }
  bus.emit('run:start', {
    runId,
    problem: problem.spec.name,
    strategy: config.strategy,
    proposer: proposer.name,
    resumed,
  });
  const executor = options.executor ?? (options.makeExecutor ? await options.makeExecutor(runId) : undefined);

  // Reconcile with the store: a candidate stored but never evaluated is evaluated now (once); one evaluated
  // but missing from the saved population (killed between the two writes) is added from its evaluation.
  for (const row of store.listCandidates(runId)) {
    nextIteration = Math.max(nextIteration, (row.iteration ?? 0) + 1);
    if (db.has(row.id) || row.status === 'proposal-failed') continue;
    const files = views.filesOf(row.id) ?? {};
    const ev = views.screenEvaluation(row.id);
    if (ev)
      addToPopulation(
        pendingOf(row, files),
        ev.score,
        ev.correct === 1 && ev.score !== null,
        JSON.parse(ev.metrics_json),
      );
    else initial.push(pendingOf(row, files));
  }

  const saveState = (): void => {
    state.population = db.toJSON();
    if (isStateful(proposer)) state.proposer = proposer.getState();
    store.updateRun(runId, {
      state,
      iterationsDone: nextIteration - 1,
      spentUsd: state.spentUsd,
      bestCandidateId: db.best()?.id ?? null,
      bestVerifiedCandidateId: state.bestVerified?.id ?? null,
    });
  };

  function addToPopulation(
    p: Pending,
    score: number | null,
    correct: boolean,
    metrics: Record<string, number>,
  ): boolean {
    const codeOf = (id: string): Record<string, string> | undefined => views.filesOf(id);
    const input = {
      id: p.id,
      files: p.files,
      metrics,
      score,
      correct,
      iteration: p.iteration,
      generation: p.generation,
    };
    if (p.id === state.seedId) {
      db.addSeed(input, codeOf);
      return false;
    }
    const before = db.best()?.score ?? null;
    const entry = db.add({ ...input, parentId: p.parentId, island: p.island ?? undefined }, codeOf);
    state.completed++;
    const improved = entry.improved && (before === null || (entry.score ?? -Infinity) > before);
    state.sinceImprovement = improved ? 0 : state.sinceImprovement + 1;
    return improved;
  }

  const history: AttemptView[] = store
    .listCandidates(runId)
    .filter((r) => r.iteration !== 0 && r.status !== 'pending')
    .slice(-config.historySize)
    .map((r) => attemptOf(r, r.parent_id ? (db.get(r.parent_id)?.score ?? null) : null));

  let stopReason: string | undefined;
  let fatalProposal: string | undefined;
  let okProposals = 0;
  let evaluatedThisSession = 0;
  const status = (): LoopStatus => ({
    started: nextIteration - 1,
    completed: state.completed,
    spentUsd: state.spentUsd,
    elapsedMs: state.elapsedMs + (Date.now() - sessionStart),
    bestScore: db.best()?.score ?? null,
    sinceImprovement: state.sinceImprovement,
  });
  const progress = (inFlight: number): void => {
    const minutes = (Date.now() - sessionStart) / 60_000;
    bus.emit('run:progress', {
      runId,
      iteration: nextIteration - 1,
      bestScore: db.best()?.score ?? null,
      verifiedBestScore: state.bestVerified?.score ?? null,
      spentUsd: state.spentUsd,
      evalsPerMinute: minutes > 0 ? evaluatedThisSession / minutes : 0,
      inFlight,
    });
  };

  // --- one candidate: screen, population, verify, events ---
  const evaluateOne = async (p: Pending): Promise<void> => {
    const evalSeed = config.seed * 7919 + p.iteration;
    const outcome: EvaluationOutcome = await runStage({
      problem,
      sandbox,
      candidateId: p.id,
      files: p.files,
      stage: 'screen',
      seed: evalSeed,
      gpus: config.gpus,
      signal,
      executor,
    });
    // Interrupted mid-evaluation: keep the candidate pending, so resume evaluates it (exactly once).
    if (signal?.aborted && outcome.status !== 'ok' && outcome.status !== 'incorrect') return;
    let improved = false;
    let score: number | null = null;
    let correct = false;
    store.transaction(() => {
      const ev = recordOutcome(store, problem, p.id, 'screen', evalSeed, sandbox.kind, outcome);
      score = ev.score;
      correct = ev.correct;
      const metrics = outcome.status === 'ok' || outcome.status === 'incorrect' ? outcome.result.metrics : {};
      improved = addToPopulation(p, ev.score, ev.correct, metrics);
      if (p.id !== state.seedId) {
        if (!ev.correct) state.failures.evaluations++;
        const parentScore = p.parentId ? (db.get(p.parentId)?.score ?? null) : null;
        observe?.({
          proposer: p.proposer ?? proposer.name,
          parentScore,
          childScore: ev.correct ? ev.score : null,
        });
      }
      saveState();
    });
    evaluatedThisSession++;
    bus.emit('candidate:evaluated', {
      runId,
      candidateId: p.id,
      iteration: p.iteration,
      status: outcome.status,
      score,
      correct,
      durationMs: outcome.durationMs,
    });
    if (p.id === state.seedId && !correct)
      bus.emit('run:warning', {
        runId,
        message: `the seed is not correct (${outcome.status}${'reason' in outcome ? ': ' + outcome.reason : ''}); candidates will try to fix it`,
      });
    if (p.id !== state.seedId) {
      const row = store.getCandidate(p.id);
      history.push(attemptOf(row, p.parentId ? (db.get(p.parentId)?.score ?? null) : null));
      if (history.length > config.historySize) history.shift();
    }
    if (improved && score !== null) {
      bus.emit('best:improved', { runId, candidateId: p.id, score, iteration: p.iteration });
      if (config.verify && hasVerifyStage(problem)) {
        state.verifyTarget = { id: p.id, stableFor: 0 };
        store.transaction(saveState);
      }
    } else if (state.verifyTarget && p.id !== state.seedId) state.verifyTarget.stableFor++;
    await verifyTargetIf((t) => t.stableFor >= config.verifyAfter);
    progress(0);
  };

  /** Verifies the waiting best when `due` says so; a target superseded before its turn is never timed. */
  const verifyTargetIf = async (due: (t: { id: string; stableFor: number }) => boolean): Promise<void> => {
    const t = state.verifyTarget;
    if (!t || !due(t) || signal?.aborted) return;
    state.verifyTarget = null;
    const row = store.findCandidate(t.id);
    if (row)
      await verifyBest(
        pendingOf(row, views.filesOf(t.id) ?? JSON.parse(row.files_json)),
        config.seed * 7919 + (row.iteration ?? 0),
      );
  };

  const verifyBest = async (p: Pending, evalSeed: number): Promise<void> => {
    try {
      const r = await verify({
        store,
        problem,
        sandbox,
        candidateId: p.id,
        files: p.files,
        baselineId: state.seedId,
        baselineFiles: seedCode,
        seed: evalSeed + 1_000_003,
        gpus: config.gpus,
        signal,
      });
      if (r.interrupted) {
        state.pendingVerify = [...new Set([...(state.pendingVerify ?? []), p.id])];
        store.transaction(saveState);
        return;
      }
      state.pendingVerify = (state.pendingVerify ?? []).filter((id) => id !== p.id);
      // A verified candidate becomes the verified best when it beats the incumbent under the one rule
      // (store/verified-best.ts) that the run page, the API and the CLI use too.
      const inc = state.bestVerified;
      const beats = !inc || compareVerified(r, inc) < 0;
      if (r.verified && beats) state.bestVerified = { id: p.id, score: r.score, speedup: r.speedup };
      store.transaction(saveState);
      bus.emit('candidate:verified', {
        runId,
        candidateId: p.id,
        verified: r.verified,
        speedup: r.speedup,
        ciLow: r.ciLow,
        ciHigh: r.ciHigh,
        score: r.score,
        reason: r.reason,
      });
    } catch (error) {
      bus.emit('run:warning', {
        runId,
        message: `verification of ${p.id} failed: ${coerceError(error).message}`,
      });
    }
  };

  // --- one proposal: sample, propose, store ---
  const proposeOne = async (): Promise<Pending | undefined> => {
    const iteration = nextIteration++;
    const pick = config.strategy === 'best-of-n' ? db.selectSeed() : db.select();
    const parent = views.parent(pick.parentId);
    const parentEntry = db.get(pick.parentId);
    const callIds: number[] = [];
    let result;
    try {
      result = await proposer.propose({
        runId,
        iteration,
        problem,
        parent,
        inspirations: pick.inspirationIds.map((id) => views.program(id)),
        history: [...history],
        random: () => db.random(),
        recordCall: (call) => {
          const row = store.insertLlmCall({ ...call, runId });
          callIds.push(row.id);
          bus.emit('llm:call', {
            runId,
            provider: row.provider,
            model: row.model,
            status: row.status,
            costUsd: row.cost_usd,
            latencyMs: row.latency_ms,
            inputTokens: row.input_tokens,
            outputTokens: row.output_tokens,
          });
          return row.id;
        },
        templates: options.templates,
        signal,
      });
    } catch (error) {
      const message = coerceError(error).message;
      result = {
        ok: false as const,
        reason: `proposer error: ${message}`,
        edit: { kind: 'none' as const, outcome: 'failed' as const, summary: `proposer error: ${message}` },
        proposer: proposer.name,
        model: proposer.model,
        costUsd: 0,
        llmCallIds: [],
      };
    }
    state.spentUsd += result.costUsd;
    // The proposer's warnings (e.g. the prompt was trimmed to the model's context window) reach the run's views.
    for (const message of result.warnings ?? []) bus.emit('run:warning', { runId, message });
    const llmIds = [...new Set([...callIds, ...result.llmCallIds])];
    if (!result.ok && signal?.aborted) {
      // Interrupted: nothing to keep but the spend; the iteration is proposed again on resume.
      store.transaction(saveState);
      return undefined;
    }
    const files = result.ok ? { ...parent.files, ...result.files } : parent.files;
    const row = store.transaction(() => {
      const cand = store.insertCandidate({
        runId,
        problemName: problem.spec.name,
        problemHash: problem.contentHash,
        parentId: parent.id,
        island: pick.island,
        generation: (parentEntry?.generation ?? 0) + 1,
        iteration,
        files,
        patch: patchAgainst(seedCode, files),
        proposer: result.proposer,
        model: result.model,
        edit: result.edit,
        status: result.ok ? 'pending' : 'proposal-failed',
      });
      store.linkLlmCalls(llmIds, cand.id);
      if (!result.ok) {
        observe?.({ proposer: result.proposer, parentScore: parent.score, childScore: null });
        state.completed++;
        state.sinceImprovement++;
        state.failures.proposals++;
      }
      saveState();
      return cand;
    });
    views.remember(row.id, files);
    bus.emit('candidate:proposed', {
      runId,
      candidateId: row.id,
      parentId: parent.id,
      island: pick.island,
      iteration,
      proposer: result.proposer,
      model: result.model,
      edit: result.edit.summary,
    });
    if (!result.ok) {
      history.push(attemptOf(row, parent.score));
      if (history.length > config.historySize) history.shift();
      bus.emit('candidate:evaluated', {
        runId,
        candidateId: row.id,
        iteration,
        status: 'proposal-failed',
        score: null,
        correct: false,
        durationMs: 0,
      });
      if (result.fatal) fatalProposal ??= result.reason;
      progress(0);
      return undefined;
    }
    okProposals++;
    return pendingOf(row, files);
  };

  // --- run ---
  let pipeline: PipelineStats | null = null;
  let failure: string | undefined;
  try {
    // The seed first (iteration 0): parents need it.
    const seedPending = initial.findIndex((p) => p.id === state.seedId);
    if (seedPending >= 0) await evaluateOne(initial.splice(seedPending, 1)[0]!);
    if (!db.seed() && !signal?.aborted) throw new Error('the seed could not be added to the population');
    for (const id of state.pendingVerify ?? []) {
      const row = store.findCandidate(id);
      if (row && !signal?.aborted)
        await verifyBest(pendingOf(row, views.filesOf(id) ?? {}), config.seed * 7919 + (row.iteration ?? 0));
    }
    const canPropose = (): boolean => {
      if (signal?.aborted || fatalProposal !== undefined || stopReason !== undefined) return false;
      const met = firstMet(stops, status());
      if (met) stopReason = met.reason;
      return met === undefined;
    };
    if (!signal?.aborted)
      pipeline = await runPipeline<Pending>({
        proposalConcurrency: config.proposalConcurrency,
        evalConcurrency: config.evalConcurrency,
        lookahead: config.proposalConcurrency,
        canPropose,
        canEvaluate: () => !signal?.aborted,
        propose: proposeOne,
        evaluate: evaluateOne,
        initial,
      });
    // The run's final best is always verified (unless it already was).
    await verifyTargetIf(() => true);
  } catch (error) {
    failure = coerceError(error).message;
  }

  state.elapsedMs += Date.now() - sessionStart;
  const runStatus: EvolveResult['status'] = failure
    ? 'failed'
    : signal?.aborted
      ? 'stopped'
      : fatalProposal !== undefined && okProposals === 0 && db.size() <= 1
        ? 'failed'
        : 'finished';
  const reason =
    failure ??
    (signal?.aborted
      ? 'interrupted (resume with `adrs resume ' + runId + '`)'
      : fatalProposal !== undefined
        ? `proposer: ${fatalProposal}`
        : (stopReason ?? 'nothing left to do'));
  store.transaction(() => {
    saveState();
    store.updateRun(runId, { status: runStatus, error: runStatus === 'failed' ? reason : null });
  });
  if (executor && !options.executor) await executor.dispose();
  const best = db.best();
  bus.emit('run:end', {
    runId,
    status: runStatus,
    reason,
    bestCandidateId: best?.id ?? null,
    bestScore: best?.score ?? null,
  });
  return {
    runId,
    status: runStatus,
    reason,
    seedId: state.seedId,
    seedScore: db.seed()?.score ?? null,
    bestCandidateId: best?.id ?? null,
    bestScore: best?.score ?? null,
    bestVerified: state.bestVerified,
    iterations: nextIteration - 1,
    spentUsd: state.spentUsd,
    pipeline,
  };
}

interface Observer {
  observe(outcome: { proposer: string; parentScore: number | null; childScore: number | null }): void;
}

/** Unified diff of the evolved files against the seed. */
function patchAgainst(seed: Record<string, string>, files: Record<string, string>): string {
  return Object.keys(files)
    .sort()
    .filter((f) => seed[f] !== files[f])
    .map((f) => createTwoFilesPatch(`a/${f}`, `b/${f}`, seed[f] ?? '', files[f] ?? ''))
    .join('');
}

/** The price table an LLM proposer (or ensemble) bills with, when it has one. */
function pricesOf(proposer: Proposer): Record<string, unknown> {
  const prices = (proposer as { prices?: unknown }).prices;
  return prices && typeof prices === 'object' ? (prices as Record<string, unknown>) : {};
}
