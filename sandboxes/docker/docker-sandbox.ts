// The Docker sandbox: one fresh, hardened container per session (GPUs by device request), an optional warm pool, series that reuse one.
import { stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import { AdrsError, InputError } from '../../core/errors.js';
import type { SandboxOptions } from '../index.js';
import type { Sandbox, SandboxSessionControl, SessionSpec } from '../types.js';
import { MOUNT_ROOT, SANDBOX_USER, WORKSPACE, shapeFor } from './container-shape.js';
import { putTar, SANDBOX_OWNER } from './container-files.js';
import { DockerSession } from './docker-session.js';
import { connectDocker, pingEngine, requireImage } from './engine.js';
import { gpuDeviceRequests } from './gpu-request.js';
import { hostGpus } from './host-gpu.js';
import { fingerprintDirs, putReadonlyDirs, putTrustedDir } from './readonly-dirs.js';
import { packTrees } from './tar-pack.js';
import { WarmPool, type Preload } from './warm-pool.js';
import { copyTreeInto } from './host-volumes.js';
import { DockerSeries, seriesFit } from './docker-series.js';
import { execViaDefault, type ExecVia } from './agent-socket.js';

export const DEFAULT_IMAGE = 'adrs-base:latest';
const MOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface DockerSandboxOptions extends SandboxOptions {
  /** Pin containers to these host CPUs (`CpusetCpus`, e.g. "0-3"). */
  cpuset?: string;
  /** /dev/shm size in MB (default: 64, or half the memory cap up to 16 GB when GPUs are requested). */
  shmMb?: number;
  /** An engine client; default: DOCKER_HOST or the local socket. */
  docker?: Docker;
  /** How commands run: through the container's exec agent (default, falls back per command) or `docker exec`. */
  execVia?: ExecVia;
}

interface EngineFacts {
  version: Docker.DockerVersion;
  warnings: string[];
  runtimes: string[];
  /** CPUs the engine has: a CPU limit above it is clamped (the engine refuses it otherwise). */
  cpus: number | undefined;
}

/**
 * @example
 * const sandbox = new DockerSandbox({ warmPool: 2, gpus: 'all' });
 * const session = await sandbox.open({ workspaceDir, readonlyDirs: { problem: evalDir }, limits: DEFAULT_LIMITS });
 * try {
 *   const result = await session.exec(['python3', `${session.mounts.problem}/evaluate.py`]);
 * } finally {
 *   await session.close();
 * }
 * await sandbox.dispose();
 */
export class DockerSandbox implements Sandbox {
  readonly kind = 'docker' as const;
  private readonly docker: Docker;
  private readonly pool: WarmPool;
  private readonly sessions = new Set<DockerSession>();
  /** Series handed out: their idle containers are removed on dispose() too. */
  private readonly allSeries = new Set<DockerSeries>();
  /** Containers of closed sessions still being removed. */
  private readonly removals = new Set<Promise<void>>();
  private readonly images = new Map<string, Promise<Docker.ImageInspectInfo>>();
  private facts: Promise<EngineFacts> | undefined;
  private disposed = false;
  /** The shape options: the sandbox's, and whether containers run the exec agent. */
  private readonly shaping: DockerSandboxOptions & { agent: boolean };

  constructor(private readonly options: DockerSandboxOptions = {}) {
    this.shaping = { ...options, agent: (options.execVia ?? execViaDefault()) === 'agent' };
    gpuDeviceRequests(options.gpus); // a malformed --gpus fails here, before any container exists
    if (options.warmPool !== undefined && !(Number.isInteger(options.warmPool) && options.warmPool >= 0))
      throw new InputError(`--warm-pool ${options.warmPool}: use a whole number of containers (0 or more)`);
    this.docker = options.docker ?? connectDocker();
    this.pool = new WarmPool(this.docker, options.warmPool ?? 0);
  }

  async open(spec: SessionSpec): Promise<SandboxSessionControl> {
    return this.openSession(spec);
  }

  /** A series of sessions for one party: one container, reset and checked between sessions (docker-series.ts). */
  series(): DockerSeries {
    if (this.disposed) throw new AdrsError('sandbox-closed', 'docker sandbox: already disposed');
    const series = new DockerSeries(
      this.docker,
      (spec, s) => this.openSession(spec, s),
      () => this.describe(),
    );
    this.allSeries.add(series);
    return series;
  }

  /** Opens a session: in a series' idle container when it matches, else in a fresh (pooled) one. */
  private async openSession(spec: SessionSpec, series?: DockerSeries): Promise<SandboxSessionControl> {
    if (this.disposed) throw new AdrsError('sandbox-closed', 'docker sandbox: already disposed');
    const facts = await this.engine();
    const image = spec.image ?? this.options.image ?? DEFAULT_IMAGE;
    await this.image(image);
    await checkFolders(spec);
    const shape = shapeFor(image, clampCpus(spec.limits, facts.cpus), this.shaping);
    const fit = series && (await seriesFit(shape, spec.readonlyDirs));
    const reused = fit ? series.take(fit) : undefined;
    const preload = reused ? undefined : await this.preload(spec.readonlyDirs);
    const pooled = reused ? undefined : await this.pool.take(shape, spec.labels, preload);
    const started = reused?.started ?? pooled!;
    const reuse =
      fit && series
        ? { oomSeen: reused?.oomKills ?? 0, recycle: (s: DockerSession) => series.recycle(s, started, fit) }
        : undefined;
    const session = new DockerSession(
      this.docker,
      started,
      spec,
      [...facts.warnings],
      (s, removal) => {
        this.sessions.delete(s);
        this.removals.add(removal);
        void removal.finally(() => this.removals.delete(removal));
      },
      reuse,
    );
    this.sessions.add(session);
    try {
      if (this.disposed) throw new AdrsError('sandbox-closed', 'docker sandbox: disposed while opening');
      // A reused container still holds the same read-only folders (the fit says so) and an emptied trusted folder.
      const preloaded =
        reused !== undefined ||
        (pooled?.preloaded !== undefined && pooled.preloaded === preload?.fingerprint);
      await Promise.all([
        preloaded ? undefined : putReadonlyDirs(started, spec.readonlyDirs),
        // No process of the container can write the workspace yet (fresh, or reset and checked clean).
        started.host
          ? copyTreeInto(spec.workspaceDir, started.host.work, SANDBOX_OWNER).catch((error: unknown) => {
              throw new AdrsError(
                'sandbox-io',
                `sandbox workspace: copying in failed: ${(error as Error).message}`,
                {
                  cause: error,
                },
              );
            })
          : putTar(
              started.container,
              packTrees([{ dir: spec.workspaceDir, prefix: '' }], SANDBOX_OWNER),
              WORKSPACE,
              'workspace',
            ),
        reused || pooled?.trustedDir ? undefined : putTrustedDir(started),
      ]);
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  async describe(): Promise<Record<string, unknown>> {
    const facts = await this.engine();
    const imageName = this.options.image ?? DEFAULT_IMAGE;
    const image = await this.image(imageName).catch(() => undefined);
    const gpus = this.options.gpus;
    const host = gpus && gpuDeviceRequests(gpus) ? await hostGpus() : undefined;
    return {
      kind: 'docker',
      docker: {
        version: facts.version.Version,
        apiVersion: facts.version.ApiVersion,
        os: facts.version.Os,
        arch: facts.version.Arch,
        kernel: facts.version.KernelVersion,
        runtimes: facts.runtimes,
      },
      image: {
        name: imageName,
        id: image?.Id,
        digest: image?.RepoDigests?.[0] ?? image?.Id,
        created: image?.Created,
      },
      isolation: {
        network: 'none',
        user: SANDBOX_USER,
        capabilities: 'none',
        noNewPrivileges: true,
        readonlyRootfs: true,
        workspace: WORKSPACE,
        readonlyMounts: MOUNT_ROOT,
      },
      gpus: gpus
        ? {
            request: gpus,
            models: host ? [...new Set(host.map((g) => g.name))] : undefined,
            driver: host?.[0]?.driver,
            devices: host?.map((g) => ({ index: g.index, name: g.name, uuid: g.uuid, memoryMb: g.memoryMb })),
          }
        : undefined,
      warmPool: this.options.warmPool ?? 0,
      warnings: facts.warnings,
    };
  }

  /** Starts the warm pool for sessions like `spec` now (read-only folders included), before the first open(). */
  async prewarm(
    spec: Pick<SessionSpec, 'limits' | 'image'> & Partial<Pick<SessionSpec, 'readonlyDirs'>>,
  ): Promise<void> {
    const image = spec.image ?? this.options.image ?? DEFAULT_IMAGE;
    this.pool.fill(
      shapeFor(image, clampCpus(spec.limits, (await this.engine()).cpus), this.shaping),
      await this.preload(spec.readonlyDirs ?? {}),
    );
  }

  /** Waits until the engine's background work for this sandbox is done: closed sessions removed, the pool refilled. */
  async settled(): Promise<void> {
    await Promise.all([this.pool.settled(), this.drain()]);
  }

  /** Waits until the containers of closed sessions are removed. */
  async drain(): Promise<void> {
    while (this.removals.size) await Promise.allSettled([...this.removals]);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.allSettled([...this.sessions].map((s) => s.close()));
    await Promise.allSettled([...this.allSeries].map((s) => s.dispose()));
    await Promise.all([this.pool.dispose(), this.drain()]);
  }

  /** How pooled containers get the read-only folders ahead of need (none when too large to fingerprint). */
  private async preload(dirs: Record<string, string>): Promise<Preload | undefined> {
    if (!this.options.warmPool || Object.keys(dirs).length === 0) return undefined;
    const fingerprint = await fingerprintDirs(dirs);
    if (!fingerprint) return undefined;
    const copy = { ...dirs };
    return {
      fingerprint,
      load: (started) => putReadonlyDirs(started, copy),
    };
  }

  /** Engine version and what it cannot enforce; asked once (again after a failure). */
  private engine(): Promise<EngineFacts> {
    this.facts ??= (async () => {
      await pingEngine(this.docker);
      const [version, info] = await Promise.all([
        this.docker.version(),
        this.docker.info() as Promise<Record<string, unknown>>,
      ]);
      const warnings: string[] = [];
      if (info.SwapLimit === false)
        warnings.push('the Docker engine cannot limit swap: the memory cap may be exceeded by swapping');
      if (info.PidsLimit === false) warnings.push('the Docker engine cannot limit processes: no pids cap');
      const cpus = typeof info.NCPU === 'number' ? info.NCPU : undefined;
      return { version, warnings, runtimes: Object.keys((info.Runtimes as object | undefined) ?? {}), cpus };
    })();
    this.facts.catch(() => (this.facts = undefined));
    return this.facts;
  }

  private image(name: string): Promise<Docker.ImageInspectInfo> {
    let pending = this.images.get(name);
    if (!pending) {
      pending = requireImage(this.docker, name);
      pending.catch(() => this.images.delete(name));
      this.images.set(name, pending);
    }
    return pending;
  }
}

/** A problem may ask for more CPUs than this engine has (e.g. 4 for SWE-fficiency on a 2-CPU machine): give it all. */
function clampCpus(limits: SessionSpec['limits'], engineCpus: number | undefined): SessionSpec['limits'] {
  return limits.cpus && engineCpus && limits.cpus > engineCpus ? { ...limits, cpus: engineCpus } : limits;
}

/** The workspace and read-only folders must exist; mount names must be plain names. */
async function checkFolders(spec: SessionSpec): Promise<void> {
  const folders: [string, string][] = [['workspace', spec.workspaceDir]];
  for (const [name, dir] of Object.entries(spec.readonlyDirs)) {
    if (!MOUNT_NAME.test(name))
      throw new InputError(
        `sandbox mount name ${JSON.stringify(name)}: use letters, digits, ".", "_" or "-"`,
      );
    folders.push([`read-only folder "${name}"`, dir]);
  }
  for (const [what, dir] of folders) {
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new InputError(`sandbox ${what} ${dir}: not a folder`);
  }
}
