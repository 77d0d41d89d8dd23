// Picks an executor by kind: inline (this process's sandbox, the default) or slurm (array jobs of `adrs worker`).
import path from 'node:path';
import { InputError } from '../../core/errors.js';
import type { Sandbox, SandboxOptions } from '../../sandboxes/index.js';
import type { SlurmConfigInput } from './slurm/config.js';
import type { SlurmEvent } from './slurm/slurm-executor.js';
import type { Executor } from './types.js';

export const EXECUTORS = ['inline', 'slurm'] as const;
export type ExecutorKind = (typeof EXECUTORS)[number];

export interface ExecutorConfig {
  /** Default: inline. */
  executor?: string;
  /** Settings of the slurm executor (the run config's `slurm:` section). */
  slurm?: SlurmConfigInput;
  /** The run's id: the default shared directory is <cwd>/.adrs/slurm/<runId>, so a resumed run finds its jobs. */
  runId?: string;
  /** Folder the default shared directory is under (default: process.cwd()). */
  cwd?: string;
  /** inline: sandboxes to reuse (e.g. the run's own), and options for those it creates. */
  sandboxes?: Sandbox[];
  sandboxOptions?: SandboxOptions;
  /** slurm: progress events (submissions, state changes, retries). */
  onEvent?: (event: SlurmEvent) => void;
}

/** The default shared directory of a run's Slurm jobs. */
export function defaultSharedDir(cwd: string, runId: string): string {
  return path.resolve(cwd, '.adrs', 'slurm', runId);
}

export async function createExecutor(config: ExecutorConfig = {}): Promise<Executor> {
  const kind = config.executor ?? 'inline';
  switch (kind as ExecutorKind) {
    case 'inline': {
      const { InlineExecutor } = await import('./inline.js');
      return new InlineExecutor({ sandboxes: config.sandboxes, sandboxOptions: config.sandboxOptions });
    }
    case 'slurm': {
      const { SlurmExecutor } = await import('./slurm/slurm-executor.js');
      const cwd = config.cwd ?? process.cwd();
      const sharedDir = config.slurm?.sharedDir
        ? path.resolve(cwd, config.slurm.sharedDir)
        : defaultSharedDir(cwd, config.runId ?? 'default');
      return new SlurmExecutor({ ...config.slurm, sharedDir, onEvent: config.onEvent });
    }
    default:
      throw new InputError(`--executor ${kind}: unknown executor (use inline or slurm)`);
  }
}

export type { EvalJob, Executor } from './types.js';
export type { SlurmConfig, SlurmConfigInput } from './slurm/config.js';
export { slurmConfigSchema } from './slurm/config.js';
export type { SlurmEvent } from './slurm/slurm-executor.js';
