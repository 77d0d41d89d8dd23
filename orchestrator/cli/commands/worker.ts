// `adrs worker --job FILE`: what a Slurm job runs on its node; evaluates one job file and writes the outcome JSON into the shared directory.
import { hostname } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { setExitCode } from '../main.js';

interface WorkerOptions {
  job: string;
  json?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description(
      'evaluate (or verify) one job file written by the Slurm executor and write its result (run on a cluster node)',
    )
    .requiredOption('--job <file>', 'job file (in the shared directory)')
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: WorkerOptions, command: Command) => {
      const started = Date.now();
      const file = path.resolve(ctx.cwd, opts.job);
      ctx.warn(`adrs worker: ${file} (host ${hostname()}, slurm job ${slurmId(ctx.env)})`);
      // Loaded here, not at the top: `adrs worker --help` and argument errors stay fast.
      const { jobKindOf, runVerifyWorkerJob } = await import('../../executors/slurm/verify-worker-job.js');
      if (jobKindOf(file) === 'verify') {
        const v = await runVerifyWorkerJob(file, ctx.signal, ctx.env);
        if (v.interrupted) {
          ctx.warn(`adrs worker: interrupted while verifying ${v.job.verify.candidateId}; no result written`);
          setExitCode(command, 143);
          return;
        }
        const verdict = v.result.verdict;
        ctx.warn(
          `adrs worker: verification of ${verdict.candidateId} -> ${verdict.verified ? 'verified' : 'not verified'} in ${Date.now() - started} ms${v.reused ? ' (result already there)' : ''}`,
        );
        ctx.print(
          opts.json
            ? JSON.stringify({
                job: v.job.verify.id,
                resultFile: v.job.resultFile,
                verified: verdict.verified,
                reused: v.reused,
              })
            : `${v.job.verify.id} ${verdict.verified ? 'verified' : 'not verified'}: ${verdict.reason}`,
        );
        return;
      }
      const { runWorkerJob } = await import('../../executors/slurm/worker-job.js');
      const { job, outcome, reused, interrupted } = await runWorkerJob(file, ctx.signal);
      if (interrupted) {
        ctx.warn(
          `adrs worker: interrupted while evaluating ${job.job.candidateId}; no result written (the coordinator resubmits the job)`,
        );
        setExitCode(command, 143);
        return;
      }
      if (reused) ctx.warn(`adrs worker: ${job.resultFile} already exists; nothing to do`);
      else
        ctx.warn(
          `adrs worker: ${job.job.candidateId} ${job.job.stage} -> ${outcome.status} in ${Date.now() - started} ms`,
        );
      if (opts.json)
        ctx.print(
          JSON.stringify({ job: job.job.id, resultFile: job.resultFile, status: outcome.status, reused }),
        );
      else ctx.print(`${job.job.id} ${outcome.status}${'reason' in outcome ? `: ${outcome.reason}` : ''}`);
    });
}

/** "123_4" for an array task, "123" for a plain job, "-" outside Slurm. */
function slurmId(env: NodeJS.ProcessEnv): string {
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID)
    return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  return env.SLURM_JOB_ID ?? '-';
}
