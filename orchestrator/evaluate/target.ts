// Maps a loaded problem onto what the evaluator runner needs for one stage (command, read-only dirs, limits).
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EvaluationTarget } from '../../evaluators/run-evaluation.js';
import type { Stage } from '../../evaluators/result.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import type { ProblemSpec } from '../../problems/src/schema.js';
import { SANDBOX_PATH } from '../../sandboxes/local/local-session.js';

export function stageTarget(
  problem: LoadedProblem,
  stage: Stage,
  overrides: { gpus?: string } = {},
): EvaluationTarget {
  const s = problem.spec;
  const command = s.evaluator.stages[stage] ?? s.evaluator.command;
  // Held-out inputs go only to the verify stage; timing samples run on the held-out set too.
  const workloadsDir =
    stage === 'screen'
      ? problem.screenWorkloadsDir
      : (problem.verifyWorkloadsDir ?? problem.screenWorkloadsDir);
  const gpus = overrides.gpus ?? (s.resources.gpus ? String(s.resources.gpus) : undefined);
  return {
    command,
    evaluatorDir: problem.evaluatorDir,
    workloadsDir,
    image: s.sandbox.image,
    ...evaluatorEnv(s, stage),
    ...(s.evaluator.trust_domains ? {} : { trustDomains: false }),
    // The evaluator cache (evaluators/evaluator-cache.ts): one folder per problem content, for judging stages.
    ...(s.evaluator.cache && stage !== 'time' ? { cacheDir: evaluatorCacheDir(problem) } : {}),
    limits: {
      wallTimeMs: s.timeouts[stage] * 1000,
      memoryMb: s.resources.memory_mb,
      pids: s.resources.pids,
      cpus: s.resources.cpus,
      outputBytes: 64 * 1024,
      diskMb: s.resources.disk_mb,
      ...(gpus && gpus !== '0' ? { gpus } : {}),
    },
  };
}

/** The problem's evaluator.env, the stage's time limit, and PATH with sandbox.path in front of the sandbox's own when it names folders. */
function evaluatorEnv(s: ProblemSpec, stage: Stage): { env?: Record<string, string> } {
  // ADRS_TIMEOUT_S: the stage's limit from problem.yaml, so an evaluator can give its child process less and report.
  const env: Record<string, string> = { ...s.evaluator.env, ADRS_TIMEOUT_S: String(s.timeouts[stage]) };
  if (s.sandbox.path.length) env.PATH = [...s.sandbox.path, SANDBOX_PATH].join(':');
  return Object.keys(env).length ? { env } : {};
}

/** Where values an evaluator may reuse across evaluations of this exact problem are kept (a cache: safe to delete). */
export function evaluatorCacheDir(problem: LoadedProblem): string {
  return path.join(tmpdir(), 'adrs-evaluator-cache', problem.contentHash.slice(0, 32));
}

/** The primary score, oriented so that higher is better; null when the metric is missing. */
export function primaryScore(spec: ProblemSpec, metrics: Record<string, number>): number | null {
  const value = metrics[spec.primary];
  if (value === undefined || !Number.isFinite(value)) return null;
  const metric = spec.metrics.find((m) => m.name === spec.primary);
  return metric?.direction === 'minimize' ? -value : value;
}
