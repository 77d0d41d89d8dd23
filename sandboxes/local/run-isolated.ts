// Runs one command under the session's isolation (namespaces, nobody, rlimits) and returns what happened as data.
import { execa } from 'execa';
import type { ExecResult, SandboxLimits } from '../types.js';
import { setprivArgv, type Isolation } from './isolation-probe.js';
import type { SessionId } from './session-uid.js';
import { OutputTail } from '../output-tail.js';
import { countUserTasks, killGroupTree, sweepMarked } from './process-sweep.js';
import { TRUSTED_ID, wardenArgv } from '../warden/warden.js';

/** A stream past this many times its kept tail is endless output: the tree is killed. */
export const OUTPUT_KILL_FACTOR = 64;
const OUTPUT_KILL_FLOOR = 1 << 20;
/** Per-file write cap (RLIMIT_FSIZE) when limits.diskMb is not set. */
const DEFAULT_FSIZE_MB = 1024;
/** How long pipes may stay open after the main process died before we stop reading them. */
const PIPE_GRACE_MS = 2_000;

export interface RunPlan {
  isolation: Isolation;
  /** The session's candidate uid (session-uid.ts); required as root, where commands never run as root. */
  candidate?: SessionId;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  limits: SandboxLimits;
  timeoutMs: number;
  stdin?: string;
  /** The session's folder (workspace, read-only copies): the only part of the shared temp dirs left visible. */
  sessionRoot?: string;
  /** Value of the session marker in `env`, used to sweep escaped processes. */
  marker: string;
  /** Aborting kills the whole tree (the session is closing). */
  signal?: AbortSignal;
  /**
   * Run the command as the trusted evaluator (uid TRUSTED_ID) under the warden, which starts candidate
   * commands as the sandbox user on request. Needs root and python3; otherwise the command runs as before.
   */
  trusted?: boolean;
  /** Each stderr chunk as it arrives (ExecOptions.onStderr). */
  onStderr?: (chunk: Buffer) => void;
}

/** Group leaders of running execs, killed if this Node process exits while they run. */
const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of live) killGroupTree(pid);
  });
}

/**
 * Runs as PID 1 of the namespace, before prlimit and setpriv: keeps the session folder aside, mounts fresh
 * tmpfs over /tmp, /var/tmp and /dev/shm, puts the session folder back at the same path, then execs the
 * rest. Other sessions' folders and anything a candidate left in a temp dir are out of sight.
 */
export const PRIVATE_TMP_SCRIPT = `set -e
root="$1"; size="$2"; shift 2
hold=$(mktemp -d /run/adrs-hold.XXXXXXXX)
mount --rbind "$root" "$hold"
for d in /tmp /var/tmp /dev/shm; do
  if [ -d "$d" ]; then mount -t tmpfs -o "mode=1777,nosuid,nodev,size=$size" tmpfs "$d"; fi
done
mkdir -p "$root"
mount --move "$hold" "$root"
rmdir "$hold"
mount -o remount,hidepid=2 /proc 2>/dev/null || true
exec "$@"`;

/**
 * Whether the warden can run here: root (to switch uids), python3, and a PID namespace of our own (the warden
 * ends candidate processes with kill(-1) as their uid, which must reach only this namespace).
 */
export function trustDomainsIn(isolation: Isolation): boolean {
  return isolation.root && !!isolation.setpriv && !!isolation.python && !!isolation.unshare;
}

/** The argv: [unshare ... [sh -c PRIVATE_TMP_SCRIPT]] prlimit ... -- [setpriv ... --] command. */
export async function buildArgv(plan: RunPlan): Promise<string[]> {
  const { isolation, limits } = plan;
  const mb = 1024 * 1024;
  if (isolation.root && !plan.candidate)
    throw new Error('local sandbox: a command as root needs its session uid');
  const candidate = plan.candidate ?? { uid: isolation.uid, gid: isolation.uid };
  // RLIMIT_NPROC counts every task of the user, so the budget comes on top of what it already runs (as root
  // the session's own uid, so nothing another session runs counts).
  const nproc = (await countUserTasks(candidate.uid)) + limits.pids;
  const privateTmp =
    isolation.unshare && isolation.privateTmp && plan.sessionRoot
      ? [
          '/bin/sh',
          '-c',
          PRIVATE_TMP_SCRIPT,
          'adrs-private-tmp',
          plan.sessionRoot,
          `${limits.diskMb ?? 256}m`,
        ]
      : [];
  const warden = plan.trusted && trustDomainsIn(isolation);
  const command = warden
    ? wardenArgv(
        isolation.python!,
        { ...TRUSTED_ID, nproc: (await countUserTasks(TRUSTED_ID.uid)) + limits.pids },
        { ...candidate, nproc },
        plan.command,
      )
    : [
        ...(isolation.setpriv && plan.candidate ? setprivArgv(isolation.setpriv, plan.candidate) : []),
        ...plan.command,
      ];
  return [
    ...(isolation.unshare ?? []),
    ...privateTmp,
    isolation.prlimit,
    // CUDA reserves far more address space than it uses (seen on an H200: with --as the seed's first allocation
    // failed "CUDA error: out of memory"), so a session given GPUs is capped by its data segment instead.
    wantsGpu(limits.gpus) ? `--data=${limits.memoryMb * mb}` : `--as=${limits.memoryMb * mb}`,
    // The warden is root; each uid it starts gets its own process budget.
    ...(warden ? [] : [`--nproc=${nproc}`]),
    `--fsize=${(limits.diskMb ?? DEFAULT_FSIZE_MB) * mb}`,
    '--core=0',
    '--',
    ...command,
  ];
}

/** Whether the limits ask for GPUs ("all", a count above 0, or device ids). */
export function wantsGpu(gpus: string | undefined): boolean {
  return gpus !== undefined && gpus !== '' && gpus !== '0';
}

/** Runs the plan; never throws for anything the command does. */
export async function runIsolated(plan: RunPlan): Promise<ExecResult> {
  installExitHook();
  const [file, ...args] = (await buildArgv(plan)) as [string, ...string[]];
  const namespaced = plan.isolation.unshare !== undefined;
  const stdout = new OutputTail(plan.limits.outputBytes);
  const stderr = new OutputTail(plan.limits.outputBytes);
  const outputKill = Math.max(OUTPUT_KILL_FACTOR * plan.limits.outputBytes, OUTPUT_KILL_FLOOR);
  const started = performance.now();

  const subprocess = execa(file, args, {
    cwd: plan.cwd,
    env: plan.env,
    extendEnv: false,
    ...(plan.stdin === undefined ? { stdin: 'ignore' as const } : { input: plan.stdin }),
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    detached: true,
    cleanup: false,
    forceKillAfterDelay: false,
  });
  const pid = subprocess.pid;
  if (pid !== undefined) live.add(pid);

  let killedBy: ExecResult['killedBy'];
  const kill = (why: NonNullable<ExecResult['killedBy']>): void => {
    if (killedBy) return;
    killedBy = why;
    if (pid !== undefined) killGroupTree(pid);
    if (!namespaced) void sweepMarked(plan.marker);
  };
  const onAbort = (): void => {
    if (pid !== undefined) killGroupTree(pid);
  };
  if (plan.signal?.aborted) onAbort();
  else plan.signal?.addEventListener('abort', onAbort, { once: true });
  const onData = (tail: OutputTail) => (chunk: Buffer) => {
    tail.push(chunk);
    if (tail.total > outputKill) kill('output');
  };
  subprocess.stdout?.on('data', onData(stdout));
  subprocess.stderr?.on('data', onData(stderr));
  if (plan.onStderr) subprocess.stderr?.on('data', plan.onStderr);

  const timer = setTimeout(() => kill('timeout'), plan.timeoutMs);
  let graceTimer: NodeJS.Timeout | undefined;
  subprocess.once('exit', () => {
    clearTimeout(timer);
    // Without namespaces, children may live on (same group, or setsid daemons that still hold our pipes).
    if (!namespaced && pid !== undefined) {
      killGroupTree(pid);
      void sweepMarked(plan.marker);
    }
    graceTimer = setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, PIPE_GRACE_MS);
  });

  const result = await subprocess;
  clearTimeout(timer);
  clearTimeout(graceTimer);
  plan.signal?.removeEventListener('abort', onAbort);
  if (!namespaced) await sweepMarked(plan.marker);
  if (pid !== undefined) live.delete(pid);

  const spawnFailed = result.exitCode === undefined && result.signal === undefined;
  // When we killed the tree, say so the same way every time: unshare may exit 1 ("sigprocmask unblock
  // failed") instead of dying by the signal, depending on which process the kill reached first.
  return {
    exitCode: killedBy ? null : (result.exitCode ?? null),
    signal: killedBy ? 'SIGKILL' : (result.signal ?? null),
    timedOut: killedBy === 'timeout',
    ...(killedBy ? { killedBy } : {}),
    stdoutTail: stdout.text(),
    stderrTail: spawnFailed ? `${stderr.text()}${result.shortMessage ?? ''}` : stderr.text(),
    stdoutBytes: stdout.total,
    stderrBytes: stderr.total,
    durationMs: Math.round(performance.now() - started),
  };
}
