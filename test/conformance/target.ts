// What a sandbox kind tells the shared conformance cases, and the per-case harness: fresh folders, sessions, cleanup.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { HARNESS_DIR } from '../../evaluators/run-evaluation.js';
import type { ExecResult, Sandbox, SandboxLimits, SandboxSessionControl } from '../../sandboxes/types.js';

export const FIXTURES = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'misbehaving',
);
export const PYTHON = '/usr/bin/python3';
export const LIMITS: SandboxLimits = {
  wallTimeMs: 30_000,
  memoryMb: 512,
  pids: 64,
  outputBytes: 8192,
  diskMb: 32,
};
export const SEED = 'import os\nprint("seed", os.getuid())\n';

/** What one sandbox kind needs and guarantees; the cases ask it instead of branching on the kind. */
export interface ConformanceTarget<S extends Sandbox = Sandbox> {
  kind: string;
  /** Makes the sandbox (once per suite). */
  make: () => S;
  /** Image for Docker sessions. */
  image?: string;
  /** Whether candidate code may run as this uid (local as root: each session its own; Docker: 1000). */
  isCandidateUid: (uid: number) => boolean;
  /** Why this machine cannot check a group of cases (absent: it can); each skips loudly, and fails with CI=true. */
  lacks: { trustDomains?: string; network?: string; sandboxUser?: string };
  /** The sandbox says a memory-cap kill is one (killedBy 'memory'); otherwise MemoryError or a signal will do. */
  reportsMemoryKill: boolean;
  /** Environment every exec sees whatever the host has, beyond what the spec and the exec pass. */
  baseEnv?: (session: SandboxSessionControl) => Record<string, string>;
  /** Asserts that nothing `session` started (argv or environment holding `marker`) survives; may close it. */
  nothingLeft: (session: SandboxSessionControl, sandbox: S, marker: string) => Promise<void> | void;
  /** Runs after each case once its sessions are closed: the sandbox holds nothing of it any more. */
  afterEach?: (sandbox: S, marker: string) => Promise<void> | void;
}

export interface Harness<S extends Sandbox = Sandbox> {
  readonly sandbox: S;
  /** Put in the argv and environment of fixtures, so survivors can be found. */
  readonly marker: string;
  /** This case's workspace source folder (candidate.py, pkg/data.txt, hello.txt). */
  workspaceDir(): string;
  /** This case's read-only evaluator folder (score.txt = 42). */
  evaluatorDir(): string;
  /** A new session over this case's folders, closed after the case. */
  open(limits?: Partial<SandboxLimits>, env?: Record<string, string>): Promise<SandboxSessionControl>;
  /** Runs a misbehaving fixture with the marker as its last argument and in its environment. */
  fixture(
    session: SandboxSessionControl,
    name: string,
    args?: string[],
    timeoutMs?: number,
  ): Promise<ExecResult>;
  /** Calls the test with a loud skip instead when the machine lacks `what` (and fails with CI=true). */
  needs(what: keyof ConformanceTarget['lacks']): boolean;
}

/** Registers the hooks in the calling describe block and returns the per-case harness. */
export function harness<S extends Sandbox>(target: ConformanceTarget<S>): Harness<S> {
  const sandbox = target.make();
  const marker = `adrs-conf-${randomBytes(6).toString('hex')}`;
  const sessions: SandboxSessionControl[] = [];
  let tmp = '';
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'adrs-conformance-'));
    mkdirSync(path.join(tmp, 'workspace', 'pkg'), { recursive: true });
    mkdirSync(path.join(tmp, 'evaluator'));
    writeFileSync(path.join(tmp, 'workspace', 'candidate.py'), SEED);
    writeFileSync(path.join(tmp, 'workspace', 'pkg', 'data.txt'), 'nested');
    writeFileSync(path.join(tmp, 'workspace', 'hello.txt'), 'hello');
    writeFileSync(path.join(tmp, 'evaluator', 'score.txt'), '42');
  });
  afterEach(async () => {
    await Promise.allSettled(sessions.splice(0).map((s) => s.close()));
    rmSync(tmp, { recursive: true, force: true });
    await target.afterEach?.(sandbox, marker);
  });
  afterAll(async () => sandbox.dispose());
  return {
    sandbox,
    marker,
    workspaceDir: () => path.join(tmp, 'workspace'),
    evaluatorDir: () => path.join(tmp, 'evaluator'),
    async open(limits = {}, env) {
      const session = await sandbox.open({
        workspaceDir: path.join(tmp, 'workspace'),
        readonlyDirs: { harness: HARNESS_DIR, problem: path.join(tmp, 'evaluator'), fixtures: FIXTURES },
        limits: { ...LIMITS, ...limits },
        ...(env ? { env } : {}),
        ...(target.image ? { image: target.image } : {}),
      });
      sessions.push(session);
      return session;
    },
    fixture(session, name, args = [], timeoutMs) {
      return session.exec([PYTHON, `${session.mounts.fixtures}/${name}`, ...args, marker], {
        env: { TEST_MARKER: marker },
        ...(timeoutMs ? { timeoutMs } : {}),
      });
    },
    needs(what) {
      const why = target.lacks[what];
      if (why === undefined) return true;
      if (process.env.CI === 'true')
        expect.fail(`CI=true but the ${target.kind} sandbox lacks ${what}: ${why}`);
      console.warn(`\n*** sandbox conformance (${target.kind}): SKIPPED a ${what} case: ${why} ***\n`);
      return false;
    },
  };
}
