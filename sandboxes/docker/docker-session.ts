// One candidate's container session: files in and out as tar through exec, commands with a deadline, removal (or a reset, in a series) on close.
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type Docker from 'dockerode';
import { AdrsError } from '../../core/errors.js';
import { sandboxEnv } from '../../core/secrets.js';
import type { ExecOptions, ExecResult, SandboxSessionControl, SessionSpec } from '../types.js';
import { MOUNT_ROOT, SANDBOX_USER, WORKSPACE } from './container-shape.js';
import { getFile, SANDBOX_OWNER } from './container-files.js';
import { checkRelPath } from './rel-path.js';
import { runExec, type ExecControl, type ExecPlan, type RawExecResult } from './run-exec.js';
import type { AgentSocket } from './agent-socket.js';
import { agentExec, agentKillAll, AgentUnavailable } from './agent-client.js';
import { removeContainer, type StartedContainer } from './start-container.js';
import { readHostFile, type HostVolumes } from './host-volumes.js';
import { packFile } from './tar-pack.js';
import { TRUSTED_DIR } from './readonly-dirs.js';
import { TRUSTED_ID, wardenArgv } from '../warden/warden.js';

/** RLIMIT_NPROC for the warden's uids: counted per host uid, so only a backstop; the pids cgroup is the cap. */
const WARDEN_NPROC = 1 << 20;

const DEFAULT_READ_MAX = 16 * 1024 * 1024;
/** Deadline for the platform's own short commands (sweeps, OOM checks). */
const IO_TIMEOUT_MS = 30_000;

type KillReason = 'timeout' | 'output' | 'memory';

/** How a session of a series (docker-series.ts) gives its container back instead of removing it. */
export interface SessionReuse {
  /** OOM kills the container's cgroup counted before this session (they are not this session's). */
  oomSeen: number;
  /** Kills everything of the session and wipes its state; false when the container could not be verified clean. */
  recycle: (session: DockerSession) => Promise<boolean>;
}

function signalName(exitCode: number | null): string | null {
  if (exitCode === null || exitCode <= 128 || exitCode > 128 + 64) return null;
  const entry = Object.entries(osConstants.signals).find(([, n]) => n === exitCode - 128);
  return entry ? entry[0] : null;
}

export class DockerSession implements SandboxSessionControl {
  readonly kind = 'docker' as const;
  readonly workspace = WORKSPACE;
  readonly mounts: Record<string, string>;
  readonly id: string;
  readonly container: Docker.Container;
  /** The volumes' host folders (a local engine): single result files are read there, without following links. */
  private readonly host: HostVolumes | undefined;
  /** How files move: through the volumes' host folders (a local engine this process may enter) or the engine's API. */
  readonly filesVia: 'host' | 'api';
  private killed: KillReason | undefined;
  private closing: Promise<void> | undefined;
  private oomSeen: number;
  readonly trustDomains = true;
  readonly trustedDir = TRUSTED_DIR;
  /** The exec agent's socket once it listens; undefined (or resolving so): every command is a `docker exec`. */
  private readonly agent: Promise<AgentSocket | undefined> | undefined;

  constructor(
    private readonly docker: Docker,
    started: StartedContainer,
    private readonly spec: SessionSpec,
    readonly warnings: string[],
    private readonly onClose: (session: DockerSession, removal: Promise<void>) => void,
    private readonly reuse?: SessionReuse,
  ) {
    this.oomSeen = reuse?.oomSeen ?? 0;
    this.id = started.sessionId;
    this.container = started.container;
    this.host = started.host;
    this.filesVia = started.host ? 'host' : 'api';
    this.agent = started.agent;
    this.mounts = Object.fromEntries(
      Object.keys(spec.readonlyDirs).map((name) => [name, `${MOUNT_ROOT}/${name}`]),
    );
  }

  async writeFile(relPath: string, content: string | Buffer): Promise<void> {
    const rel = checkRelPath(relPath);
    this.assertUsable();
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    // Candidate code may have planted symlinks by now, and putArchive extracts as root: so the
    // archive is unpacked by tar running as the sandbox user, which can write nothing it could not.
    const res = await this.run(
      {
        command: ['tar', '-x', '-f', '-', '-C', WORKSPACE],
        user: SANDBOX_USER,
        env: {},
        cwd: WORKSPACE,
        stdin: packFile(rel, body, SANDBOX_OWNER),
        timeoutMs: IO_TIMEOUT_MS,
        outputBytes: 16 * 1024,
      },
      { stop: () => this.kill('timeout') },
    );
    if (res.exitCode !== 0)
      throw new AdrsError(
        'sandbox-io',
        `sandbox writeFile ${rel}: failed (${res.stoppedFor ?? `exit ${res.exitCode}`}): ${res.stderr.text().trim().slice(-300)}`,
      );
  }

  async readFile(relPath: string, maxBytes = DEFAULT_READ_MAX): Promise<Buffer | undefined> {
    const rel = checkRelPath(relPath);
    if (this.closing) throw this.closedError();
    if (this.host && !rel.includes('/')) return readHostFile(this.host.work, rel, maxBytes);
    return getFile(this.container, `${WORKSPACE}/${rel}`, maxBytes);
  }

  async readTrustedFile(relPath: string, maxBytes = DEFAULT_READ_MAX): Promise<Buffer | undefined> {
    const rel = checkRelPath(relPath);
    if (this.closing) throw this.closedError();
    // The trusted folder is root's /problem's child: no uid in the container can replace it with a link.
    if (this.host && !rel.includes('/'))
      return readHostFile(path.join(this.host.problem, path.basename(TRUSTED_DIR)), rel, maxBytes);
    return getFile(this.container, `${TRUSTED_DIR}/${rel}`, maxBytes);
  }

  async exec(command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.closing) throw this.closedError();
    if (command.length === 0) throw new AdrsError('input', 'sandbox exec: empty command');
    if (this.killed) return this.deadResult();
    const limits = this.spec.limits;
    const env = sandboxEnv(process.env, { ...this.spec.env, ...options.env });
    // Trusted: the warden starts as root (SETUID/SETGID only), runs the command as TRUSTED_ID and candidate
    // commands as the sandbox user. RLIMIT_NPROC is per host uid; the container's pids cgroup is the cap here.
    const trusted = options.trusted === true;
    if (trusted) env.TMPDIR = TRUSTED_DIR;
    const argv = trusted
      ? wardenArgv(
          'python3',
          { ...TRUSTED_ID, nproc: WARDEN_NPROC },
          { ...SANDBOX_OWNER, nproc: WARDEN_NPROC },
          command,
        )
      : command;
    let raw: RawExecResult;
    try {
      raw = await this.run(
        {
          command: argv,
          user: trusted ? '0:0' : SANDBOX_USER,
          env,
          cwd: options.cwd ?? WORKSPACE,
          stdin: options.stdin === undefined ? undefined : Buffer.from(options.stdin),
          timeoutMs: options.timeoutMs ?? limits.wallTimeMs,
          outputBytes: limits.outputBytes,
          ...(options.onStderr ? { onStderr: options.onStderr } : {}),
        },
        { stop: () => this.kill('timeout'), sweep: () => this.sweep() },
      );
    } catch (error) {
      // The container itself died (e.g. the memory cap hit its init) before or while starting the exec.
      const state = await this.container.inspect().catch(() => undefined);
      if (state && !state.State.Running) {
        this.killed = state.State.OOMKilled ? 'memory' : (this.killed ?? 'timeout');
        return this.deadResult();
      }
      throw new AdrsError('sandbox-exec', `sandbox exec failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (raw.stoppedFor === 'output') this.killed = 'output';
    let signal = raw.stoppedFor ? 'SIGKILL' : signalName(raw.exitCode);
    let killedBy: ExecResult['killedBy'] = raw.stoppedFor;
    if (signal === 'SIGKILL' && !raw.stoppedFor && (await this.oomKilledSince())) killedBy = 'memory';
    if (!signal && raw.exitCode === null && !raw.stoppedFor) signal = 'SIGKILL';
    return {
      exitCode: signal ? null : raw.exitCode,
      signal,
      timedOut: raw.stoppedFor === 'timeout',
      ...(killedBy ? { killedBy } : {}),
      stdoutTail: raw.stdout.text(),
      stderrTail: raw.stderr.text(),
      stdoutBytes: raw.stdout.total,
      stderrBytes: raw.stderr.total,
      durationMs: raw.durationMs,
    };
  }

  /** Kills the container (every process of the session at once); close() removes it. */
  async kill(reason: KillReason): Promise<void> {
    this.killed ??= reason;
    await this.container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  }

  /**
   * Kills every process of the session (awaited: nothing of the candidate runs after this returns,
   * so it cannot disturb the next timing), then removes the container and its volumes. The removal
   * is handed to `onClose` and finishes in the background; the sandbox's dispose() awaits it.
   * A series session instead resets the container for the series' next session when that verifiably works.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // A series session hands its container back for the next sample only once it is verifiably clean.
      if (this.reuse && !this.killed && (await this.reuse.recycle(this))) {
        this.onClose(this, Promise.resolve());
        return;
      }
      // The agent kills every process of the session (as each uid, until none is left) faster than the engine
      // kills the container; when it cannot say so, the engine does. Either way the removal goes on in the background.
      const socket = this.killed ? undefined : await this.agent;
      const cleared = socket ? await agentKillAll(socket, [SANDBOX_OWNER, TRUSTED_ID]) : false;
      if (!cleared) await this.container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
      this.onClose(this, removeContainer(this.container));
    })();
    return this.closing;
  }

  /** Which path commands take in this session (tests and benchmarks ask). */
  async commandsVia(): Promise<'agent' | 'engine'> {
    return (await this.agent) ? 'agent' : 'engine';
  }

  /** The agent's socket, for the series' reset (undefined: `docker exec`). */
  agentSocket(): Promise<AgentSocket | undefined> {
    return this.agent ?? Promise.resolve(undefined);
  }

  /**
   * Runs one command through the exec agent, or through `docker exec` when there is none or it started nothing
   * (stdin is read into memory first, so the fallback gets all of it).
   */
  private async run(plan: ExecPlan, control: ExecControl): Promise<RawExecResult> {
    const socket = await this.agent;
    if (!socket) return runExec(this.docker, this.container, plan, control);
    const input = plan.stdin;
    const whole =
      input === undefined || Buffer.isBuffer(input) ? plan : { ...plan, stdin: await buffer(input) };
    try {
      return await agentExec(socket, whole, control);
    } catch (error) {
      if (!(error instanceof AgentUnavailable)) throw error;
      return runExec(this.docker, this.container, whole, control);
    }
  }

  /** A short command of the platform's own, as the sandbox user. */
  private async internalExec(command: string[]): Promise<RawExecResult> {
    return this.run(
      { command, user: SANDBOX_USER, env: {}, cwd: '/', timeoutMs: IO_TIMEOUT_MS, outputBytes: 64 * 1024 },
      { stop: () => this.kill('timeout') },
    );
  }

  /**
   * Kills every candidate process except the container's keep-alive (the oldest child of init):
   * what a finished command left behind. Runs as the sandbox user, so it can only reach those.
   */
  private async sweep(): Promise<void> {
    const script = [
      "keep=$(tr ' ' '\\n' </proc/1/task/1/children | grep . | sort -n | head -n1)",
      'for d in /proc/[0-9]*; do p=${d#/proc/}; case "$p" in 1|"$keep"|"$$") ;; *) kill -9 "$p" 2>/dev/null;; esac; done',
      'exit 0',
    ].join('\n');
    await this.internalExec(['sh', '-c', script]);
  }

  /** Whether the cgroup's OOM killer fired since we last looked (read inside the container, so remote engines work too). */
  private async oomKilledSince(): Promise<boolean> {
    const script =
      'cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null || cat /sys/fs/cgroup/memory.events 2>/dev/null';
    const res = await this.internalExec(['sh', '-c', script]).catch(() => undefined);
    const match = res ? /oom_kill (\d+)/.exec(res.stdout.text()) : null;
    if (!match) return false;
    const count = Number(match[1]);
    const fired = count > this.oomSeen;
    this.oomSeen = count;
    return fired;
  }

  private assertUsable(): void {
    if (this.closing) throw this.closedError();
    if (this.killed)
      throw new AdrsError(
        'sandbox-closed',
        `sandbox session ${this.id}: its container was killed (${this.killed})`,
      );
  }

  private closedError(): AdrsError {
    return new AdrsError('sandbox-closed', `sandbox session ${this.id}: already closed`);
  }

  private deadResult(): ExecResult {
    const why = this.killed ?? 'timeout';
    return {
      exitCode: null,
      signal: 'SIGKILL',
      timedOut: false,
      killedBy: why,
      stdoutTail: '',
      stderrTail: `adrs: this sandbox's container was killed earlier (${why}); nothing more runs in it`,
      stdoutBytes: 0,
      stderrBytes: 0,
      durationMs: 0,
    };
  }
}
