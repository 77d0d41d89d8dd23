// Picks a sandbox by kind. Implementations load lazily, so the local path never loads dockerode.
import { InputError } from '../core/errors.js';
import type { Sandbox, SandboxKind } from './types.js';

export interface SandboxOptions {
  /** docker: GPU request ('all', a count, or comma-separated ids). */
  gpus?: string;
  /** docker: containers created ahead of need. */
  warmPool?: number;
  /** docker: image used when a session names none. */
  image?: string;
}

export async function createSandbox(kind: string, options: SandboxOptions = {}): Promise<Sandbox> {
  switch (kind as SandboxKind) {
    case 'local': {
      const { LocalSandbox } = await import('./local/local-sandbox.js');
      return new LocalSandbox();
    }
    case 'docker': {
      const { DockerSandbox } = await import('./docker/docker-sandbox.js');
      return new DockerSandbox(options);
    }
    default:
      throw new InputError(`--sandbox ${kind}: unknown sandbox (use local or docker)`);
  }
}

export type {
  Sandbox,
  SandboxKind,
  SandboxSession,
  SandboxSessionControl,
  SessionSpec,
  SandboxLimits,
  ExecResult,
} from './types.js';
