// One party's run of Docker sessions (an arm of a verification) in one container, reset and verified clean between sessions.
import type Docker from 'dockerode';
import { AdrsError } from '../../core/errors.js';
import type { Sandbox, SandboxSessionControl, SessionSpec } from '../types.js';
import { shapeKey, type ContainerShape } from './container-shape.js';
import { resetContainer } from './container-reset.js';
import type { DockerSession } from './docker-session.js';
import { fingerprintDirs } from './readonly-dirs.js';
import { removeContainer, type StartedContainer } from './start-container.js';

/** What a container must match to serve a session again: its shape and the read-only folders it holds. */
export interface SeriesFit {
  key: string;
}

/** The fit of a session; undefined when its read-only folders are too large to fingerprint (then: no reuse). */
export async function seriesFit(
  shape: ContainerShape,
  readonlyDirs: Record<string, string>,
): Promise<SeriesFit | undefined> {
  const fingerprint = await fingerprintDirs(readonlyDirs);
  return fingerprint ? { key: `${shapeKey(shape)}|${fingerprint}` } : undefined;
}

interface Idle {
  started: StartedContainer;
  key: string;
  oomKills: number;
}

/** How the series' container fared, for tests and benchmarks. */
export interface SeriesStats {
  /** Sessions opened in the container a previous session of the series used. */
  reused: number;
  /** Resets that could not be verified clean (the container was removed; the next session gets a fresh one). */
  replaced: number;
  /** Why, for each of those. */
  reasons: string[];
}

/**
 * Sessions opened here run one after another in one container: on close, every process of the session is
 * killed and its files and IPC objects are wiped, all checked by root (container-reset.ts); only then may
 * the next session of the series use the container. A reset that cannot be verified, a killed container, a
 * session that needs another shape or other read-only folders, or two sessions at once: a fresh container.
 * Only one party's sessions may go through one series (the caller's promise: one series per arm).
 */
export class DockerSeries implements Sandbox {
  readonly kind = 'docker' as const;
  readonly stats: SeriesStats = { reused: 0, replaced: 0, reasons: [] };
  private idle: Idle | undefined;
  private disposed = false;
  private readonly removals = new Set<Promise<void>>();

  constructor(
    private readonly docker: Docker,
    private readonly openSession: (spec: SessionSpec, series: DockerSeries) => Promise<SandboxSessionControl>,
    private readonly describeSandbox: () => Promise<Record<string, unknown>>,
  ) {}

  open(spec: SessionSpec): Promise<SandboxSessionControl> {
    if (this.disposed) throw new AdrsError('sandbox-closed', 'docker sandbox series: already disposed');
    return this.openSession(spec, this);
  }

  describe(): Promise<Record<string, unknown>> {
    return this.describeSandbox();
  }

  /** The idle container when it fits `fit` (it is then no longer idle); a misfit is removed. */
  take(fit: SeriesFit): Idle | undefined {
    const idle = this.idle;
    this.idle = undefined;
    if (!idle) return undefined;
    if (idle.key === fit.key) {
      this.stats.reused++;
      return idle;
    }
    this.remove(idle.started);
    return undefined;
  }

  /** Called by a closing session: resets its container and keeps it for the next session when clean. */
  async recycle(session: DockerSession, started: StartedContainer, fit: SeriesFit): Promise<boolean> {
    if (this.disposed || this.idle) return false;
    const report = await resetContainer(this.docker, started.container, await session.agentSocket());
    if (!report.clean) {
      this.stats.replaced++;
      this.stats.reasons.push(report.why);
      return false;
    }
    if (this.disposed || this.idle) return false;
    this.idle = { started, key: fit.key, oomKills: report.oomKills };
    return true;
  }

  /** Removes the idle container. Sessions still open close (and are removed) through the parent sandbox. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const idle = this.idle;
    this.idle = undefined;
    if (idle) this.remove(idle.started);
    while (this.removals.size) await Promise.allSettled([...this.removals]);
  }

  private remove(started: StartedContainer): void {
    const removal = removeContainer(started.container);
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }
}
