// The sandbox contract: a session over one candidate workspace (basic surface) plus lifecycle control kept by the orchestrator.

export type SandboxKind = 'local' | 'docker';

export interface SandboxLimits {
  /** Hard wall-clock limit for one exec; the whole process tree (or container) is killed at expiry. */
  wallTimeMs: number;
  /** Address-space (local) or cgroup (docker) memory cap. */
  memoryMb: number;
  /** Maximum number of processes/threads. */
  pids: number;
  /** CPUs to allow (docker: cpuset/NanoCpus; local: informative). */
  cpus?: number;
  /** Bytes of stdout and of stderr kept (the tail is kept; the rest is counted and dropped). */
  outputBytes: number;
  /** GPU request: 'all', a count, or device ids (docker only). */
  gpus?: string;
  /** Writable workspace size cap (docker tmpfs; local: a tmpfs of this size when running as root). */
  diskMb?: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  wallTimeMs: 120_000,
  memoryMb: 2048,
  pids: 256,
  outputBytes: 64 * 1024,
};

/** What a session is built from. Host paths are copied in; the sandbox decides where they appear inside. */
export interface SessionSpec {
  /** Host folder copied (fresh) as the candidate's writable workspace. */
  workspaceDir: string;
  /** Host folders exposed read-only, by name (e.g. { problem: '/repo/problems/x/evaluator' }). */
  readonlyDirs: Record<string, string>;
  limits: SandboxLimits;
  /** Extra environment for every exec. Secret-looking names are dropped. */
  env?: Record<string, string>;
  /** Container image (docker). */
  image?: string;
  /** Labels for bookkeeping and garbage collection (docker). */
  labels?: Record<string, string>;
}

export interface ExecOptions {
  env?: Record<string, string>;
  /** Overrides limits.wallTimeMs for this exec. */
  timeoutMs?: number;
  /** Working directory inside the sandbox; defaults to the workspace. */
  cwd?: string;
  stdin?: string;
  /**
   * Run as the trusted evaluator: another uid than candidate code, with $ADRS_LAUNCHER_FD to start candidate
   * commands as the sandbox user (evaluators/harness/adrs_candidate.py). Only where the session's
   * `trustDomains` is true; elsewhere the command runs as the sandbox user, as without it.
   */
  trusted?: boolean;
  /** Called with each chunk of stderr as it arrives (live progress); the tail is kept as always. */
  onStderr?: (chunk: Buffer) => void;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when the sandbox itself killed the process: why. */
  killedBy?: 'timeout' | 'memory' | 'output' | 'pids';
  stdoutTail: string;
  stderrTail: string;
  /** Bytes produced in all (kept or not). */
  stdoutBytes: number;
  stderrBytes: number;
  durationMs: number;
}

/** The basic surface an evaluator gets: where things are, files in and out, exec. */
export interface SandboxSession {
  readonly kind: SandboxKind;
  /** Path of the writable workspace as seen inside the sandbox. */
  readonly workspace: string;
  /** Paths of the read-only folders as seen inside the sandbox, by name. */
  readonly mounts: Record<string, string>;
  /** Warnings about isolation that could not be applied here (e.g. no network namespace). */
  readonly warnings: string[];
  /** Whether trusted execs really run apart from candidate code (another uid, the warden). */
  readonly trustDomains: boolean;
  /**
   * Folder (inside the sandbox) that only the trusted uid can read and write: the evaluator's result and
   * scratch. Candidate code cannot open it.
   */
  readonly trustedDir: string;
  /** Reads a file of `trustedDir`; undefined when it does not exist. Size-capped. */
  readTrustedFile(relPath: string, maxBytes?: number): Promise<Buffer | undefined>;
  writeFile(relPath: string, content: string | Buffer): Promise<void>;
  /** Reads a file relative to the workspace; undefined when it does not exist. Size-capped. */
  readFile(relPath: string, maxBytes?: number): Promise<Buffer | undefined>;
  exec(command: string[], options?: ExecOptions): Promise<ExecResult>;
}

/** Lifecycle control, kept by the orchestrator. */
export interface SandboxSessionControl extends SandboxSession {
  /**
   * Kills anything left and removes the session's files/containers. Idempotent. Removal may finish in
   * the background (docker); `Sandbox.dispose()` waits for it.
   */
  close(): Promise<void>;
}

export interface Sandbox {
  readonly kind: SandboxKind;
  open(spec: SessionSpec): Promise<SandboxSessionControl>;
  /** A short description of the environment for fingerprints (image digest, isolation in force). */
  describe(): Promise<Record<string, unknown>>;
  /** Releases pools and background work. */
  dispose(): Promise<void>;
  /**
   * A series for one party's run of sessions (one arm of a verification): its sessions may reuse one
   * environment, every process killed and every writable place wiped and checked between them, a fresh
   * one whenever that cannot be verified. Never shared between parties. Its dispose() releases only what
   * it holds. Absent where every session is fresh anyway (local).
   */
  series?(): Sandbox;
}
