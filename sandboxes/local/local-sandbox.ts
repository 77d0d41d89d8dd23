// The local sandbox: candidates run as host processes, as a uid of their session's own, in network+PID namespaces with rlimits.
import os from 'node:os';
import type { Sandbox, SandboxSessionControl, SessionSpec } from '../types.js';
import { NO_NAMESPACE_WARNING, probeIsolation, type Isolation } from './isolation-probe.js';
import { LocalSession } from './local-session.js';
import { writeOwner } from './gc.js';
import { TRUSTED_ID } from '../warden/warden.js';
import { createSessionFiles, defaultTmpBase } from './session-files.js';
import { allocateSessionId, releaseSessionId } from './session-uid.js';

export interface LocalSandboxOptions {
  /** false: never use namespaces (process-group kill only), e.g. where unshare misbehaves. Default: when permitted. */
  namespaces?: boolean;
  /** Folder that holds session roots; default: the OS temp folder (or /tmp when nobody cannot traverse it). */
  tmpDir?: string;
}

/**
 * @example
 * const sandbox = new LocalSandbox();
 * const session = await sandbox.open({ workspaceDir, readonlyDirs: { problem: evalDir }, limits: DEFAULT_LIMITS });
 * try {
 *   const result = await session.exec(['/usr/bin/python3', `${session.mounts.problem}/evaluate.py`]);
 * } finally {
 *   await session.close();
 * }
 */
export class LocalSandbox implements Sandbox {
  readonly kind = 'local' as const;
  private readonly sessions = new Set<LocalSession>();

  constructor(private readonly options: LocalSandboxOptions = {}) {}

  /** The isolation in force for this sandbox (the probe, less what the options turned off). */
  private async isolation(): Promise<Isolation> {
    const probed = await probeIsolation();
    if (this.options.namespaces !== false || !probed.unshare) return probed;
    return { ...probed, unshare: undefined, warnings: [...probed.warnings, NO_NAMESPACE_WARNING] };
  }

  async open(spec: SessionSpec): Promise<SandboxSessionControl> {
    const isolation = await this.isolation();
    const candidate = isolation.root ? await allocateSessionId() : undefined;
    const files = await createSessionFiles(spec.workspaceDir, spec.readonlyDirs, {
      tmpBase: this.options.tmpDir ?? (await defaultTmpBase()),
      owner: candidate,
      ...(isolation.root ? { trusted: TRUSTED_ID } : {}),
      ...(spec.limits.diskMb === undefined ? {} : { diskMb: spec.limits.diskMb }),
    }).catch((error: unknown) => {
      releaseSessionId(candidate);
      throw error;
    });
    const warnings = [...isolation.warnings];
    if (isolation.root && !files.diskCapped)
      warnings.push('workspace tmpfs could not be mounted: only single files are size-capped (RLIMIT_FSIZE)');
    const session = new LocalSession(spec, files, isolation, candidate, warnings, (s) =>
      this.sessions.delete(s),
    );
    // So that `adrs gc` can tell a session of a killed adrs from a live one, and find its processes.
    await writeOwner(files.root, session.marker);
    this.sessions.add(session);
    return session;
  }

  async describe(): Promise<Record<string, unknown>> {
    const isolation = await this.isolation();
    const namespaced = isolation.unshare !== undefined;
    return {
      kind: 'local',
      isolation: { netns: namespaced, pidns: namespaced, user: isolation.user, limits: 'prlimit' },
      kernel: os.release(),
      platform: os.platform(),
      arch: os.arch(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.availableParallelism(),
      node: process.version,
      warnings: isolation.warnings,
    };
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.sessions].map((s) => s.close()));
  }
}
