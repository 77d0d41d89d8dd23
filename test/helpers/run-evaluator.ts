// Runs a problem package's evaluator command directly (placeholders filled, the env the runner sets) on one candidate file.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { evaluatorResultSchema, type EvaluatorResult, type Stage } from '../../evaluators/result.js';
import { HARNESS_DIR } from '../../evaluators/run-evaluation.js';
import type { LoadedProblem } from '../../problems/src/load.js';

const temps: string[] = [];

export interface EvalRun {
  result: EvaluatorResult;
  stderr: string;
  /** What the workspace holds afterwards (the evaluator must clean up after itself). */
  workspaceFiles: string[];
}

export function cleanupTemps(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs `problem`'s evaluator command on a fresh workspace holding `source` as `file`. */
export async function runEvaluator(
  problem: LoadedProblem,
  file: string,
  source: string,
  stage: Stage,
  env: Record<string, string> = {},
): Promise<EvalRun> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'adrs-eval-ws-'));
  const out = mkdtempSync(path.join(tmpdir(), 'adrs-eval-out-'));
  temps.push(workspace, out);
  writeFileSync(path.join(workspace, file), source);
  const workloads = (stage === 'verify' ? problem.verifyWorkloadsDir : problem.screenWorkloadsDir) ?? '';
  const fill = (arg: string): string =>
    arg
      .replaceAll('{problem}', problem.evaluatorDir)
      .replaceAll('{workspace}', workspace)
      .replaceAll('{workloads}', workloads);
  const [command, ...args] = problem.spec.evaluator.command.map(fill);
  const resultFile = path.join(out, 'result.json');
  const run = await execa(command!, args, {
    cwd: workspace,
    reject: false,
    timeout: problem.spec.timeouts[stage] * 1000,
    env: {
      ADRS_STAGE: stage,
      ADRS_SEED: '12345',
      ADRS_RESULT: resultFile,
      ADRS_WORKSPACE: workspace,
      ADRS_WORKLOADS: workloads,
      // As the evaluator runner does: the shared harness, read-only, named and on PYTHONPATH.
      ADRS_HARNESS: HARNESS_DIR,
      PYTHONPATH: HARNESS_DIR,
      ...env,
    },
  });
  if (run.exitCode !== 0) throw new Error(`evaluator exited ${run.exitCode}: ${run.stderr}`);
  const result = evaluatorResultSchema.parse(JSON.parse(readFileSync(resultFile, 'utf8')));
  return { result, stderr: run.stderr, workspaceFiles: readdirSync(workspace) };
}
