// One local sandbox session: a private copy of the workspace, read-only evaluator folders, isolated execs.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AdrsError, InputError } from '../../core/errors.js';
import { sandboxEnv } from '../../core/secrets.js';
import type { ExecOptions, ExecResult, SandboxSessionControl, SessionSpec } from '../types.js';
import type { Isolation } from './isolation-probe.js';
import { MARKER_VAR, sweepMarked } from './process-sweep.js';
import { runIsolated, trustDomainsIn } from './run-isolated.js';
import { readInside, relativeParts, writeInside } from './safe-path.js';
import { removeSessionFiles, type SessionFiles } from './session-files.js';
import { releaseSessionId, type SessionId } from './session-uid.js';

/** PATH every exec starts from (spec.env / options.env may replace it). */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
/** Default cap of readFile. */
export const DEFAULT_READ_BYTES = 16 * 1024 * 1024;

export class LocalSession implements SandboxSessionControl {
  readonly kind = 'local' as const;
  readonly workspace: string;
  readonly mounts: Record<string, string>;
  readonly warnings: string[];
  readonly trustDomains: boolean;
  readonly trustedDir: string;
  /** Marks every process of this session (environment), so escaped ones can be found. */
  readonly marker = randomBytes(12).toString('hex');
  private closed: Promise<void> | undefined;
  private readonly running = new Set<Promise<ExecResult>>();
  private readonly closing = new AbortController();

  constructor(
    private readonly spec: SessionSpec,
    private readonly files: SessionFiles,
    private readonly isolation: Isolation,
    /** The uid its candidate commands run as (root only; session-uid.ts). */
    private readonly candidate: SessionId | undefined,
    warnings: string[],
    private readonly onClose: (session: LocalSession) => void,
  ) {
    this.workspace = files.workspace;
    this.mounts = { ...files.mounts };
    this.warnings = [...warnings];
    this.trustDomains = trustDomainsIn(isolation);
    this.trustedDir = files.trusted;
  }

  private owner() {
    return this.candidate;
  }

  private assertOpen(what: string): void {
    if (this.closed)
      throw new AdrsError('sandbox-closed', `sandbox ${what}: the session is closed; open a new one`);
  }

  async writeFile(relPath: string, content: string | Buffer): Promise<void> {
    this.assertOpen('writeFile');
    await writeInside(this.workspace, relPath, content, this.owner());
  }

  async readFile(relPath: string, maxBytes = DEFAULT_READ_BYTES): Promise<Buffer | undefined> {
    this.assertOpen('readFile');
    return readInside(this.workspace, relPath, maxBytes);
  }

  async readTrustedFile(relPath: string, maxBytes = DEFAULT_READ_BYTES): Promise<Buffer | undefined> {
    this.assertOpen('readTrustedFile');
    return readInside(this.trustedDir, relPath, maxBytes);
  }

  async exec(command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.assertOpen('exec');
    if (command.length === 0 || command[0] === '')
      throw new InputError('sandbox exec: empty command; pass the program and its arguments');
    const trusted = options.trusted === true && this.trustDomains;
    const env = sandboxEnv(process.env, {
      PATH: SANDBOX_PATH,
      HOME: this.workspace,
      TMPDIR: trusted ? this.files.trusted : this.files.tmp,
      ...this.spec.env,
      ...options.env,
    });
    env[MARKER_VAR] = this.marker;
    const run = runIsolated({
      isolation: this.isolation,
      ...(this.candidate ? { candidate: this.candidate } : {}),
      command,
      cwd: this.resolveCwd(options.cwd),
      env,
      limits: this.spec.limits,
      timeoutMs: options.timeoutMs ?? this.spec.limits.wallTimeMs,
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      marker: this.marker,
      sessionRoot: this.files.root,
      signal: this.closing.signal,
      trusted,
      ...(options.onStderr ? { onStderr: options.onStderr } : {}),
    });
    this.running.add(run);
    try {
      return await run;
    } finally {
      this.running.delete(run);
    }
  }

  /** Relative cwd: inside the workspace. Absolute: must lie in this session's root. */
  private resolveCwd(cwd: string | undefined): string {
    if (cwd === undefined) return this.workspace;
    if (!path.isAbsolute(cwd)) return path.join(this.workspace, ...relativeParts(cwd));
    const resolved = path.resolve(cwd);
    if (resolved === this.files.root || !resolved.startsWith(this.files.root + path.sep))
      throw new InputError(`sandbox exec cwd ${cwd}: outside the session; use a path in ${this.workspace}`);
    return resolved;
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    try {
      this.closing.abort();
      await sweepMarked(this.marker);
      await Promise.allSettled([...this.running]);
      await sweepMarked(this.marker);
      await removeSessionFiles(this.files.root, this.isolation.root);
    } finally {
      releaseSessionId(this.candidate);
      this.onClose(this);
    }
  }
}
