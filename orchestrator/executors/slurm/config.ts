// The Slurm executor's settings (run config `slurm:` section and `--slurm-*` flags), validated with zod at that boundary.
import { z } from 'zod';

export const slurmConfigSchema = z
  .object({
    /** Folder on the shared filesystem for job files, results, logs and the in-flight table; default .adrs/slurm/<run>. */
    sharedDir: z.string().min(1).optional(),
    partition: z.string().min(1).optional(),
    account: z.string().min(1).optional(),
    /** sbatch --time (minutes, or [D-]HH:MM:SS). */
    timeLimit: z.string().min(1).optional(),
    /** sbatch --gres=gpu:N per evaluation; default: the evaluation's own GPU count when it is a number. */
    gpus: z.number().int().nonnegative().optional(),
    /** sbatch --cpus-per-task. */
    cpusPerTask: z.number().int().positive().optional(),
    /** sbatch --mem in MB. */
    memMb: z.number().int().positive().optional(),
    /** More sbatch arguments, passed as they are (e.g. ["--qos=low", "--constraint=a100"]). */
    extraArgs: z.array(z.string()).default([]),
    /** Sandbox on the nodes (default: the run's sandbox). */
    sandbox: z.enum(['local', 'docker']).optional(),
    /** Container image for the docker sandbox on the nodes (default: the problem's). */
    image: z.string().min(1).optional(),
    /** Seconds between squeue polls. */
    pollIntervalS: z.number().positive().default(5),
    /** Evaluations submitted within this many milliseconds of each other go into one array job. */
    batchWindowMs: z.number().int().nonnegative().default(500),
    /** Resubmissions of a job that ended without a result (failed, cancelled, node failure, timeout). */
    maxRetries: z.number().int().nonnegative().default(2),
    /** Our own limit on a job's running time in seconds (scancel at expiry); default: none beyond --time. */
    wallLimitS: z.number().positive().optional(),
    /** Command that starts adrs on a node (default: this node binary and this package's bin/adrs.js). */
    workerCommand: z.array(z.string().min(1)).min(1).optional(),
    /** Folder of the Slurm commands, when they are not on PATH. */
    binDir: z.string().min(1).optional(),
    /** sbatch --job-name. */
    jobName: z.string().min(1).default('adrs-eval'),
    /** Extra environment for the worker (secret-looking names are refused). */
    env: z.record(z.string(), z.string()).default({}),
    /** On abort, scancel the job (default: leave it running so a restarted coordinator picks it up). */
    cancelOnAbort: z.boolean().default(false),
  })
  .strict();

export type SlurmConfig = z.infer<typeof slurmConfigSchema>;
export type SlurmConfigInput = z.input<typeof slurmConfigSchema>;
