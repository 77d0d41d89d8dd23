// The default executor: materialise the candidate's workspace here and run the evaluator in a local or Docker sandbox (also what `adrs worker` runs on a node).
import { runEvaluation } from '../../evaluators/run-evaluation.js';
import type { EvaluationOutcome } from '../../evaluators/result.js';
import { loadProblem, type LoadedProblem } from '../../problems/src/load.js';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../sandboxes/index.js';
import { stageTarget } from '../evaluate/target.js';
import { materializeWorkspace } from '../evaluate/workspace.js';
import type { EvalJob, Executor } from './types.js';

export interface InlineExecutorOptions {
  /** Sandboxes to use, by kind (e.g. the run's own); others are created on first use and disposed with the executor. */
  sandboxes?: Sandbox[];
  /** Options for sandboxes this executor creates. */
  sandboxOptions?: SandboxOptions;
  /** Sandbox kind to use instead of the job's. */
  sandbox?: string;
  /** Container image instead of the problem's (docker sandbox). */
  image?: string;
}

export class InlineExecutor implements Executor {
  readonly kind = 'inline';
  private readonly given = new Map<string, Sandbox>();
  private readonly created = new Map<string, Promise<Sandbox>>();
  private readonly problems = new Map<string, LoadedProblem>();

  constructor(private readonly options: InlineExecutorOptions = {}) {
    for (const s of options.sandboxes ?? []) this.given.set(s.kind, s);
  }

  async run(job: EvalJob, signal?: AbortSignal): Promise<EvaluationOutcome> {
    const started = Date.now();
    const fail = (reason: string, feedback: string): EvaluationOutcome => ({
      status: 'failed',
      reason,
      feedback,
      durationMs: Date.now() - started,
      stderrTail: '',
      stdoutTail: '',
    });
    let problem: LoadedProblem;
    try {
      problem = this.problem(job.problemDir);
    } catch (error) {
      return fail(
        `problem package unreadable here: ${(error as Error).message}`,
        'The evaluator could not be found (an infrastructure problem, not your program).',
      );
    }
    if (job.problemHash && problem.contentHash !== job.problemHash) {
      return fail(
        `problem package at ${job.problemDir} differs from the one the run uses (hash ${problem.contentHash.slice(0, 12)} != ${job.problemHash.slice(0, 12)})`,
        "The evaluator on this machine differs from the run's (an infrastructure problem, not your program).",
      );
    }
    const kind = this.options.sandbox ?? job.sandbox;
    let sandbox: Sandbox;
    try {
      sandbox = await this.sandbox(kind);
    } catch (error) {
      return fail(
        `sandbox ${kind} unavailable: ${(error as Error).message}`,
        'The sandbox could not start (an infrastructure problem, not your program).',
      );
    }
    let ws;
    try {
      ws = materializeWorkspace(problem, job.files);
    } catch (error) {
      const reason = (error as Error).message;
      return {
        status: 'refused',
        reason,
        feedback: `Your edit was refused: ${reason}.`,
        durationMs: 0,
        stderrTail: '',
        stdoutTail: '',
      };
    }
    try {
      const target = stageTarget(problem, job.stage, { gpus: job.gpus });
      if (this.options.image) target.image = this.options.image;
      return await runEvaluation({
        sandbox,
        workspaceDir: ws.dir,
        stage: job.stage,
        seed: job.seed,
        target,
        labels: { 'adrs.candidate': job.candidateId, 'adrs.stage': job.stage, 'adrs.job': job.id },
        signal,
      });
    } finally {
      ws.dispose();
    }
  }

  async dispose(): Promise<void> {
    const created = [...this.created.values()];
    this.created.clear();
    for (const p of created) {
      try {
        await (await p).dispose();
      } catch {
        // A sandbox that never started has nothing to release.
      }
    }
  }

  private problem(dir: string): LoadedProblem {
    let p = this.problems.get(dir);
    if (!p) {
      p = loadProblem(dir);
      this.problems.set(dir, p);
    }
    return p;
  }

  private sandbox(kind: string): Promise<Sandbox> {
    const given = this.given.get(kind);
    if (given) return Promise.resolve(given);
    let p = this.created.get(kind);
    if (!p) {
      p = createSandbox(kind, {
        ...this.options.sandboxOptions,
        ...(this.options.image ? { image: this.options.image } : {}),
      });
      this.created.set(kind, p);
      p.catch(() => this.created.delete(kind));
    }
    return p;
  }
}
