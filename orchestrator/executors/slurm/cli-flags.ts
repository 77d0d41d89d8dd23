// The --executor and --slurm-* flags of `adrs evolve`/`adrs resume`, and their mapping onto the run config's `executor` and `slurm` fields.
import { Option, type Command } from 'commander';
import { InputError } from '../../../core/errors.js';
import type { SlurmConfigInput } from './config.js';

export interface SlurmFlags {
  executor?: string;
  slurmPartition?: string;
  slurmAccount?: string;
  slurmTime?: string;
  slurmGpus?: number;
  slurmCpus?: number;
  slurmMem?: number;
  slurmArg?: string[];
  slurmSandbox?: string;
  slurmImage?: string;
  slurmSharedDir?: string;
  slurmPoll?: number;
  slurmRetries?: number;
  slurmWallLimit?: number;
}

function count(flag: string, min: number, integer = true): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
      throw new InputError(
        `${flag} ${v}: not ${integer ? 'a whole number' : 'a number'} >= ${min} (give e.g. ${Math.max(min, 2)})`,
      );
    return n;
  };
}

/**
 * Adds the executor flags to a command.
 * @example addSlurmFlags(program.command('evolve <problem>')).action(...)
 */
export function addSlurmFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--executor <kind>', 'where evaluations run').choices(['inline', 'slurm']))
    .option('--slurm-partition <name>', 'slurm: sbatch --partition')
    .option('--slurm-account <name>', 'slurm: sbatch --account')
    .option('--slurm-time <limit>', 'slurm: sbatch --time (minutes or HH:MM:SS)')
    .option('--slurm-gpus <n>', 'slurm: sbatch --gres=gpu:N per evaluation', count('--slurm-gpus', 0))
    .option('--slurm-cpus <n>', 'slurm: sbatch --cpus-per-task', count('--slurm-cpus', 1))
    .option('--slurm-mem <mb>', 'slurm: sbatch --mem in MB', count('--slurm-mem', 1))
    .option(
      '--slurm-arg <arg>',
      'slurm: one more sbatch argument, e.g. --slurm-arg=--qos=low (repeatable)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .addOption(
      new Option('--slurm-sandbox <kind>', 'slurm: sandbox on the nodes').choices(['local', 'docker']),
    )
    .option('--slurm-image <image>', 'slurm: container image for the docker sandbox on the nodes')
    .option(
      '--slurm-shared-dir <dir>',
      'slurm: shared folder for job files and results (default .adrs/slurm/<run>)',
    )
    .option('--slurm-poll <s>', 'slurm: seconds between squeue polls', count('--slurm-poll', 0.1, false))
    .option(
      '--slurm-retries <n>',
      'slurm: resubmissions of a job that ended without a result',
      count('--slurm-retries', 0),
    )
    .option(
      '--slurm-wall-limit <s>',
      'slurm: cancel a job running longer than this',
      count('--slurm-wall-limit', 1),
    );
}

/** The flags as partial run config fields: `executor` and `slurm` (undefined = not given). */
export function slurmFlagsToConfig(f: SlurmFlags): { executor?: string; slurm?: SlurmConfigInput } {
  const slurm: SlurmConfigInput = {
    partition: f.slurmPartition,
    account: f.slurmAccount,
    timeLimit: f.slurmTime,
    gpus: f.slurmGpus,
    cpusPerTask: f.slurmCpus,
    memMb: f.slurmMem,
    extraArgs: f.slurmArg,
    sandbox: f.slurmSandbox as SlurmConfigInput['sandbox'],
    image: f.slurmImage,
    sharedDir: f.slurmSharedDir,
    pollIntervalS: f.slurmPoll,
    maxRetries: f.slurmRetries,
    wallLimitS: f.slurmWallLimit,
  };
  const given = Object.fromEntries(
    Object.entries(slurm).filter(([, v]) => v !== undefined),
  ) as SlurmConfigInput;
  return {
    ...(f.executor ? { executor: f.executor } : {}),
    ...(Object.keys(given).length ? { slurm: given } : {}),
  };
}
