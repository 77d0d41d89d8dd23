// `adrs evolve <problem>`: starts an evolution run (live progress on stderr, summary or --json events on stdout).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { coerceError, InputError } from '../../../core/errors.js';
import type { LoadedProblem } from '../../../problems/src/load.js';
import { loadProblem } from '../../../problems/src/load.js';
import { createSandbox } from '../../../sandboxes/index.js';
import { resolveRunConfig } from '../../config/load-config.js';
import { PROPOSERS, STRATEGIES, type RunConfig } from '../../config/run-config.js';
import { seedFiles } from '../../evaluate/workspace.js';
import { RunEventBus } from '../../events.js';
import { evolve, type EvolveResult } from '../../loop/evolve.js';
import { chooseProposer, makeProposer } from '../../loop/make-proposer.js';
import { slurmEventsToBus } from '../../loop/slurm-events.js';
import { writeEventsToStore } from '../../loop/store-events.js';
import type { Store } from '../../store/store.js';
import type { CliContext } from '../context.js';
import { fmtNumber } from '../format.js';
import { EXIT, setExitCode } from '../main.js';
import { attachJson, attachProgress } from '../progress.js';
import { createExecutor } from '../../executors/index.js';
import { addSlurmFlags, slurmFlagsToConfig, type SlurmFlags } from '../../executors/slurm/cli-flags.js';
import { guardConfigOf } from '../../evaluate/guard-config.js';
import { cacheShareLine, unpricedRefusal } from '../spend.js';
import { peerRunConfig } from '../peer-config.js';
import { sweepOrphansBeforeRun } from '../orphan-sweep.js';

/** A commander argument parser for numbers that names the flag in its error. */
export function numberFlag(flag: string, integer = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
      throw new InputError(
        `${flag} ${v}: not ${integer ? 'a whole number' : 'a number'} (give e.g. ${integer ? '40' : '2.5'})`,
      );
    return n;
  };
}

/** The flags that map onto the run config (shared by evolve and resume). */
export function addRunFlags(cmd: Command): Command {
  return cmd
    .option('--iterations <n>', 'candidates to propose after the seed', numberFlag('--iterations', true))
    .option('--budget-usd <x>', 'stop once this much has been spent on models', numberFlag('--budget-usd'))
    .option('--wall-time <s>', 'stop after this many seconds', numberFlag('--wall-time'))
    .option(
      '--target <x>',
      'stop once the best score reaches this (primary score, higher is better)',
      numberFlag('--target'),
    )
    .option('--plateau <k>', 'stop after k candidates without improvement', numberFlag('--plateau', true))
    .option(
      '--proposal-concurrency <n>',
      'proposals in flight at once',
      numberFlag('--proposal-concurrency', true),
    )
    .option('--eval-concurrency <n>', 'evaluations in flight at once', numberFlag('--eval-concurrency', true))
    .option(
      '--no-verify',
      'screen only: skip the verify stage (held-out inputs, A/B timing) for improvements',
    )
    .option('--db <file>', 'database file (default .adrs/adrs.db, or ADRS_DB)')
    .option('--json', 'print every event as one JSON line on stdout');
}

/** The run flags plus where evaluations run (--executor, --slurm-*). */
export function addAllRunFlags(cmd: Command): Command {
  return addSlurmFlags(addRunFlags(cmd));
}

export interface RunFlags {
  iterations?: number;
  budgetUsd?: number;
  wallTime?: number;
  target?: number;
  plateau?: number;
  proposalConcurrency?: number;
  evalConcurrency?: number;
  /** false with --no-verify; commander defaults it to true, so only an explicit flag is mapped. */
  verify?: boolean;
  db?: string;
  json?: boolean;
}

interface EvolveFlags extends RunFlags, SlurmFlags {
  proposer?: string;
  model?: string;
  baseUrl?: string;
  strategy?: string;
  sandbox?: string;
  gpus?: string;
  islands?: number;
  seed?: number;
  config?: string;
}

/** Flags as a partial run config (undefined = not given, so the config file or default stays). */
export function flagsToConfig(f: EvolveFlags): Record<string, unknown> {
  return {
    ...slurmFlagsToConfig(f),
    verify: f.verify === false ? false : undefined,
    proposer: f.proposer,
    model: f.model,
    baseUrl: f.baseUrl,
    strategy: f.strategy,
    sandbox: f.sandbox,
    gpus: f.gpus,
    islands: f.islands,
    seed: f.seed,
    iterations: f.iterations,
    budgetUsd: f.budgetUsd,
    wallTimeS: f.wallTime,
    target: f.target,
    plateau: f.plateau,
    proposalConcurrency: f.proposalConcurrency,
    evalConcurrency: f.evalConcurrency,
  };
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('evolve <problem>')
    .description('evolve a problem: propose candidates, evaluate them in a sandbox, verify and keep the best')
    .addOption(new Option('--proposer <name>', 'who proposes edits').choices([...PROPOSERS]))
    .option('--model <id>', 'model id (e.g. claude-sonnet-4-5, or a local model name)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (vLLM, Ollama, LM Studio)')
    .addOption(
      new Option(
        '--strategy <name>',
        'evolve (islands, MAP-Elites) or best-of-n (independent samples from the seed)',
      ).choices([...STRATEGIES]),
    )
    .addOption(new Option('--sandbox <kind>', 'where candidates run').choices(['local', 'docker']))
    .option('--gpus <spec>', 'docker: GPUs to expose (all, a count, or ids)')
    .option('--islands <n>', 'number of islands', numberFlag('--islands', true))
    .option('--seed <n>', "seed of the run's random choices", numberFlag('--seed', true))
    .option('--config <file>', 'YAML run config; flags override its values');
  addAllRunFlags(cmd).action(async (ref: string, opts: EvolveFlags, command: Command) => {
    const problem = loadProblem(ref, ctx.cwd);
    guardConfigOf(problem); // a bad guard rule name is an input error now, not a failed evaluation later
    const config = resolveRunConfig({
      file: opts.config,
      flags: flagsToConfig(opts),
      cwd: ctx.cwd,
      base: peerRunConfig(problem, opts, (m) => ctx.warn(m)),
    });
    config.proposer = chooseProposer(config, ctx.env, seedFiles(problem));
    const store = ctx.openStore(opts.db);
    try {
      const result = await runEvolution(ctx, { store, problem, config, json: opts.json === true });
      setExitCode(command, exitCodeOf(result));
    } finally {
      store.close();
    }
  });
}

export function exitCodeOf(r: EvolveResult): number {
  return r.status === 'finished' ? EXIT.ok : r.status === 'stopped' ? EXIT.interrupted : EXIT.failed;
}

/** Template contents: the run's files (relative to the working directory) over the problem's (relative to it). */
function readTemplates(
  config: RunConfig,
  problem: LoadedProblem,
  cwd: string,
): { system?: string; user?: string } {
  const read = (file: string | undefined, base: string, what: string): string | undefined => {
    if (!file) return undefined;
    const abs = path.resolve(base, file);
    if (!existsSync(abs)) throw new InputError(`${what} ${file}: no such file`);
    return readFileSync(abs, 'utf8');
  };
  return {
    system:
      read(config.templates.system, cwd, 'templates.system') ??
      read(problem.spec.prompts.system, problem.dir, 'problem prompts.system'),
    user:
      read(config.templates.user, cwd, 'templates.user') ??
      read(problem.spec.prompts.user, problem.dir, 'problem prompts.user'),
  };
}

/** Runs (or resumes) a run with the CLI's views attached; prints the summary. Shared by evolve and resume. */
export async function runEvolution(
  ctx: CliContext,
  opts: { store: Store; problem: LoadedProblem; config: RunConfig; json: boolean; resumeRunId?: string },
): Promise<EvolveResult> {
  const { store, problem, config } = opts;
  const templates = readTemplates(config, problem, ctx.cwd);
  // A killed earlier run (kill -9) left its local sandboxes: end their processes and remove their folders first.
  await sweepOrphansBeforeRun(ctx, opts.json);
  // Docker: keep a container ready for each evaluation slot, so start-up overlaps other work.
  const sandbox = await createSandbox(config.sandbox, {
    gpus: config.gpus,
    warmPool: config.evalConcurrency,
  });
  const proposer = await makeProposer(config, ctx.env, sandbox);
  const unpriced = config.budgetUsd === undefined ? undefined : unpricedRefusal(proposer, config.budgetUsd);
  if (unpriced) {
    await sandbox.dispose();
    throw new InputError(unpriced);
  }
  // Ask the provider once whether the model exists for this key: a wrong model or key is one line now,
  // not a failed first proposal (network trouble is left to the first call and its retries).
  if (proposer.preflight) {
    try {
      await proposer.preflight();
    } catch (error) {
      await sandbox.dispose();
      throw new InputError(coerceError(error).message);
    }
  }
  const bus = new RunEventBus();
  const offs = [writeEventsToStore(bus, store)];
  offs.push(opts.json ? attachJson(bus, ctx.stdout) : attachProgress(bus, ctx.stderr, config.iterations));
  // SIGINT aborts through the signal: in-flight work finishes, the run stays resumable. A second SIGINT exits.
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    ctx.warn('interrupted: finishing in-flight work (Ctrl-C again to quit at once)');
    controller.abort();
  };
  const outer = ctx.signal;
  const forward = (): void => controller.abort();
  if (outer) outer.addEventListener('abort', forward, { once: true });
  else process.on('SIGINT', onSigint);
  try {
    const result = await evolve({
      store,
      problem,
      sandbox,
      proposer,
      config,
      resumeRunId: opts.resumeRunId,
      abortSignal: controller.signal,
      events: bus,
      templates,
      ...(config.executor === 'slurm'
        ? {
            makeExecutor: (runId: string, events: RunEventBus) =>
              createExecutor({
                executor: 'slurm',
                slurm: config.slurm,
                runId,
                cwd: ctx.cwd,
                onEvent: slurmEventsToBus(events, runId),
              }),
          }
        : {}),
    });
    for (const off of offs) off();
    if (!opts.json) printSummary(ctx, result, problem, store.llmTokenTotals(result.runId));
    return result;
  } finally {
    for (const off of offs) off();
    if (outer) outer.removeEventListener('abort', forward);
    else process.off('SIGINT', onSigint);
    await sandbox.dispose();
  }
}

function printSummary(
  ctx: CliContext,
  r: EvolveResult,
  problem: LoadedProblem,
  tokens: { input: number; cacheRead: number; cacheWrite: number },
): void {
  ctx.print(`run ${r.runId} ${r.status}: ${r.reason}`);
  ctx.print(`problem ${problem.spec.name}, ${r.iterations} iterations, $${r.spentUsd.toFixed(4)} spent`);
  const cache = cacheShareLine(tokens);
  if (cache) ctx.print(cache);
  const spec = problem.spec;
  const minimize = spec.metrics.find((m) => m.name === spec.primary)?.direction === 'minimize';
  const raw = (score: number | null): number | null => (score === null ? null : minimize ? -score : score);
  const seed = raw(r.seedScore);
  ctx.print(`seed: ${spec.primary} ${fmtNumber(seed, 6)} (${r.seedId})`);
  const best = raw(r.bestScore);
  if (r.bestCandidateId && r.bestCandidateId !== r.seedId && best !== null) {
    const factor = seed !== null && seed > 0 && best > 0 ? (minimize ? seed / best : best / seed) : null;
    const vs =
      factor !== null ? ` (${fmtNumber(factor, 4)}x ${minimize ? 'lower' : 'higher'} than the seed)` : '';
    ctx.print(`best: ${spec.primary} ${fmtNumber(best, 6)}${vs}: candidate ${r.bestCandidateId}`);
  } else ctx.print('no candidate beat the seed');
  if (r.bestVerified) {
    const sp =
      r.bestVerified.speedup !== null
        ? `, speedup ${fmtNumber(r.bestVerified.speedup, 4)}x over the seed`
        : '';
    ctx.print(
      `verified best: ${r.bestVerified.id} (held-out ${spec.primary} ${fmtNumber(raw(r.bestVerified.score), 6)}${sp})`,
    );
  } else ctx.print('verified: none yet (screen results only)');
  const show = r.bestVerified?.id ?? r.bestCandidateId;
  if (show) ctx.print(`see it: adrs show ${show}`);
  if (r.status === 'stopped') ctx.print(`continue: adrs resume ${r.runId}`);
  if (r.status === 'failed' && r.reason.startsWith('proposer:'))
    ctx.print(`once that is fixed, continue: adrs resume ${r.runId}`);
}
