// Builds one array job: the batch script (explicit environment, one job file per task) and the sbatch arguments.
import { SECRET_NAME } from '../../../core/secrets.js';
import type { SlurmConfig } from './config.js';

/** Host variables the worker gets (besides ADRS_* ones); everything else stays behind (sbatch --export=NONE). */
export const WORKER_ENV_ALLOW = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];

/** The worker's environment: allow-listed host variables, ADRS_* ones and the configured extras; never a secret-looking name. */
export function workerEnv(host: NodeJS.ProcessEnv, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(host)) {
    if (value === undefined) continue;
    if (WORKER_ENV_ALLOW.includes(name) || name.startsWith('ADRS_')) env[name] = value;
  }
  Object.assign(env, extra);
  for (const name of Object.keys(env))
    if (SECRET_NAME.test(name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) delete env[name];
  return env;
}

/** Single-quotes a word for bash. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The batch script: task i runs `adrs worker --job <line i+1 of the list file>`. */
export function batchScript(opts: {
  listFile: string;
  workerCommand: string[];
  env: Record<string, string>;
  batchId: string;
}): string {
  const lines = [
    '#!/bin/bash',
    `# adrs evaluation batch ${opts.batchId}: array task i evaluates the job file on line i+1 of the list.`,
    ...Object.entries(opts.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    'set -u',
    `job_file=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${shellQuote(opts.listFile)})`,
    'if [ -z "$job_file" ]; then echo "adrs: no job file for array task $SLURM_ARRAY_TASK_ID" >&2; exit 2; fi',
    `exec ${opts.workerCommand.map(shellQuote).join(' ')} worker --job "$job_file"`,
    '',
  ];
  return lines.join('\n');
}

/** sbatch arguments for an array of `count` tasks (the script path goes last, added by the caller). */
export function sbatchArgs(
  config: SlurmConfig,
  opts: { count: number; logPattern: string; chdir: string; gres?: string },
): string[] {
  const args = [
    '--export=NONE',
    `--job-name=${config.jobName}`,
    `--array=0-${opts.count - 1}`,
    `--output=${opts.logPattern}`,
    `--chdir=${opts.chdir}`,
    // A preempted or failed node puts the job back in the queue; the worker is idempotent.
    '--requeue',
  ];
  if (config.partition) args.push(`--partition=${config.partition}`);
  if (config.account) args.push(`--account=${config.account}`);
  if (config.timeLimit) args.push(`--time=${config.timeLimit}`);
  if (opts.gres) args.push(`--gres=${opts.gres}`);
  if (config.cpusPerTask) args.push(`--cpus-per-task=${config.cpusPerTask}`);
  if (config.memMb) args.push(`--mem=${config.memMb}`);
  args.push(...config.extraArgs);
  return args;
}

/** The --gres value for an evaluation: the configured GPU count, else the job's own count when it is a number. */
export function gresFor(config: SlurmConfig, jobGpus: string | undefined): string | undefined {
  const n = config.gpus ?? (jobGpus && /^\d+$/.test(jobGpus) ? Number(jobGpus) : 0);
  return n > 0 ? `gpu:${n}` : undefined;
}
