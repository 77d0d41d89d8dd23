// What only the local sandbox does: namespaces and a uid per session, private temp dirs, the process-group fallback, refusing
// planted links, removing locked folders. The cases it shares with Docker are in test/conformance.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import { SESSION_USER } from '../sandboxes/local/isolation-probe.js';
import { SandboxEscapeError } from '../sandboxes/local/safe-path.js';
import { isSessionUid } from '../sandboxes/local/session-uid.js';
import type { ExecResult, SandboxLimits, SandboxSessionControl } from '../sandboxes/types.js';
import { killSurvivors, survivors } from './helpers/processes.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'misbehaving');
const PYTHON = '/usr/bin/python3';
/** Put in the argv and environment of every process a test starts, so survivors can be found. */
const RUN_MARKER = `adrs-test-${randomBytes(6).toString('hex')}`;

const LIMITS: SandboxLimits = { wallTimeMs: 20_000, memoryMb: 1024, pids: 64, outputBytes: 8192 };

const described = (await new LocalSandbox().describe()) as {
  isolation: { netns: boolean; pidns: boolean; user: string };
};
const namespaces = described.isolation.netns && described.isolation.pidns;
const asNobody = described.isolation.user === SESSION_USER;
const ci = process.env.CI === 'true';

function loudSkip(what: string): void {
  console.warn(`\n*** sandbox-local: SKIPPED ${what} (isolation here: ${JSON.stringify(described)}) ***\n`);
}

let tmp: string;
let workspaceDir: string;
let evaluatorDir: string;
const sessions: SandboxSessionControl[] = [];
const sandboxes: LocalSandbox[] = [];

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'adrs-sandbox-test-'));
  workspaceDir = path.join(tmp, 'workspace');
  evaluatorDir = path.join(tmp, 'evaluator');
  await mkdir(workspaceDir);
  await mkdir(evaluatorDir);
  await writeFile(path.join(workspaceDir, 'candidate.py'), 'print("seed")\n');
  await writeFile(path.join(evaluatorDir, 'score.txt'), '42');
});

afterEach(async () => {
  await Promise.allSettled(sessions.splice(0).map((s) => s.close()));
  await Promise.allSettled(sandboxes.splice(0).map((s) => s.dispose()));
  killSurvivors(RUN_MARKER);
  await rm(tmp, { recursive: true, force: true });
});

afterAll(() => killSurvivors(RUN_MARKER));

async function open(
  limits: Partial<SandboxLimits> = {},
  options: { namespaces?: boolean; env?: Record<string, string> } = {},
): Promise<SandboxSessionControl> {
  const sandbox = new LocalSandbox(
    options.namespaces === undefined ? {} : { namespaces: options.namespaces },
  );
  sandboxes.push(sandbox);
  const session = await sandbox.open({
    workspaceDir,
    readonlyDirs: { problem: evaluatorDir, fixtures: FIXTURES },
    limits: { ...LIMITS, ...limits },
    ...(options.env ? { env: options.env } : {}),
  });
  sessions.push(session);
  return session;
}

/** Runs a fixture with the run marker in its argv and environment. */
function runFixture(
  session: SandboxSessionControl,
  fixture: string,
  args: string[] = [],
  options: { timeoutMs?: number } = {},
): Promise<ExecResult> {
  const script = path.join(session.mounts.fixtures as string, fixture);
  return session.exec([PYTHON, script, ...args, RUN_MARKER], {
    ...options,
    env: { TEST_MARKER: RUN_MARKER },
  });
}

describe('isolation in force', () => {
  it('uses network and PID namespaces and a uid of its own per session (required in CI)', async () => {
    if (!(namespaces && asNobody)) {
      if (ci) expect.fail(`full isolation is required with CI=true, got ${JSON.stringify(described)}`);
      loudSkip('the full-isolation check');
      return;
    }
    const session = await open();
    const other = await open();
    expect(session.warnings).toEqual([]);
    const result = await session.exec(['/bin/sh', '-c', 'id -u; id -g; id -G; echo $$; stat -c %u .']);
    const [uid, gid, groups, pid, owner] = result.stdoutTail.trim().split('\n');
    expect(isSessionUid(Number(uid)), uid).toBe(true);
    expect([gid, groups, owner]).toEqual([uid, uid, uid]); // no supplementary groups; the workspace is its own
    expect(pid).toBe('1');
    const otherUid = (await other.exec(['/usr/bin/id', '-u'])).stdoutTail.trim();
    expect(isSessionUid(Number(otherUid))).toBe(true);
    expect(otherUid).not.toBe(uid);
  });

  it("keeps each session's process budget its own: a fork bomb in one session does not starve another", async () => {
    if (!(namespaces && asNobody)) {
      if (ci) expect.fail('a uid per session is required with CI=true');
      loudSkip('the per-session process budget check');
      return;
    }
    // The honest session starts first and waits, so its budget is fixed before the bomb spends its own. With one
    // shared candidate uid (as before) the bomb's tasks counted against the honest session's RLIMIT_NPROC and its
    // forks failed with EAGAIN ("forked 0"), read as that candidate's failure.
    const honest = await open({ pids: 64 });
    const bomb = await open({ pids: 64 });
    await honest.writeFile(
      'forks.py',
      `import os, sys, time
sys.stderr.write("waiting\\n")
sys.stderr.flush()
while not os.path.exists("go"):
    time.sleep(0.02)
ok = 0
kids = []
for _ in range(40):
    try:
        pid = os.fork()
    except OSError as error:
        print("refused:", error.strerror, flush=True)
        break
    if pid == 0:
        time.sleep(0.5)
        os._exit(0)
    ok += 1
    kids.append(pid)
for pid in kids:
    os.waitpid(pid, 0)
print("forked", ok, flush=True)
`,
    );
    // The bomb forks until refused (its own budget spent), says so on stderr, and keeps every process alive.
    await bomb.writeFile(
      'bomb.py',
      `import os, sys, time
while True:
    try:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    except OSError:
        sys.stderr.write("full\\n")
        sys.stderr.flush()
        time.sleep(60)
`,
    );
    const said = (word: string) => {
      let heard!: () => void;
      const promise = new Promise<void>((resolve) => (heard = resolve));
      return { promise, onStderr: (chunk: Buffer) => void (chunk.toString().includes(word) && heard()) };
    };
    const waitingSaid = said('waiting');
    const waiting = honest.exec([PYTHON, 'forks.py'], {
      env: { TEST_MARKER: RUN_MARKER },
      onStderr: waitingSaid.onStderr,
    });
    await Promise.race([waitingSaid.promise, waiting]);
    const fullSaid = said('full');
    const bombing = bomb.exec([PYTHON, 'bomb.py'], {
      env: { TEST_MARKER: RUN_MARKER },
      timeoutMs: 30_000,
      onStderr: fullSaid.onStderr,
    });
    await Promise.race([fullSaid.promise, bombing]);
    await honest.writeFile('go', '');
    const result = await waiting;
    expect(result.stdoutTail, result.stderrTail).toContain('forked 40');
    expect(result.stdoutTail).not.toContain('refused');
    await bomb.close(); // the bomb's processes go with its session
    expect((await bombing).stderrTail).toContain('full'); // it did spend its whole budget meanwhile
  });

  it('gives every exec private temp dirs: no cache across samples and no peek at another session', async () => {
    if (!(namespaces && asNobody)) {
      if (ci) expect.fail('private temp dirs are required with CI=true');
      loudSkip('the private /tmp check');
      return;
    }
    const a = await open();
    const b = await open();
    const wrote = await a.exec([
      '/bin/sh',
      '-c',
      'echo cached > /tmp/adrs-cache; echo x > /dev/shm/adrs-cache; echo y > /var/tmp/adrs-cache; ls /tmp',
    ]);
    expect(wrote.exitCode).toBe(0);
    // Only its own session folder is visible in /tmp (the workspace lives there), and writes work.
    expect(wrote.stdoutTail.trim().split('\n').sort()).toEqual(
      ['adrs-cache', path.basename(path.dirname(a.workspace))].sort(),
    );
    const again = await a.exec([
      '/bin/sh',
      '-c',
      'cat /tmp/adrs-cache /dev/shm/adrs-cache /var/tmp/adrs-cache 2>&1; true',
    ]);
    expect(again.stdoutTail).not.toContain('cached'); // the next exec of the same session starts clean
    const peek = await b.exec([
      '/bin/sh',
      '-c',
      `ls ${path.dirname(a.workspace)} 2>&1; cat /tmp/adrs-cache 2>&1; true`,
    ]);
    expect(peek.stdoutTail).toMatch(/No such file or directory/);
    expect(peek.stdoutTail).not.toContain('cached');
  });

  it('describes the environment for fingerprints', async () => {
    const description = await new LocalSandbox().describe();
    expect(description).toMatchObject({ kind: 'local', kernel: os.release() });
    expect(description.isolation).toHaveProperty('user');
  });
});

describe('without namespaces (process-group fallback)', () => {
  it('warns, and still kills hangs and setsid daemons', async () => {
    const session = await open({}, { namespaces: false });
    expect(session.warnings.join('\n')).toContain('no network/PID namespace');
    const hang = await runFixture(session, 'fork-ignore-term.py', [], { timeoutMs: 1500 });
    expect(hang).toMatchObject({ timedOut: true, killedBy: 'timeout' });
    expect(survivors(RUN_MARKER)).toEqual([]);
    const daemon = await runFixture(session, 'daemonize.py');
    expect(daemon).toMatchObject({ exitCode: 0, timedOut: false });
    expect(daemon.stdoutTail).toContain('daemon running');
    expect(survivors(RUN_MARKER)).toEqual([]);
  });
});

describe('files', () => {
  it('resolves a relative cwd against the workspace and refuses one outside the session', async () => {
    const session = await open();
    await session.writeFile('sub/marker.txt', 'here');
    const inSub = await session.exec(['/bin/cat', 'marker.txt'], { cwd: 'sub' });
    expect(inSub.stdoutTail).toBe('here');
    await expect(session.exec(['/bin/true'], { cwd: '/etc' })).rejects.toBeInstanceOf(InputError);
    await expect(session.exec(['/bin/true'], { cwd: '../..' })).rejects.toBeInstanceOf(InputError);
  });

  it('refuses paths that escape the workspace, including planted symlinks, FIFOs and hard links', async () => {
    const session = await open();
    await chmod(tmp, 0o755);
    const outside = path.join(tmp, 'outside');
    await mkdir(outside, { mode: 0o777 });
    await writeFile(path.join(outside, 'target.txt'), 'host file', { mode: 0o666 });
    await expect(session.writeFile('../x', 'x')).rejects.toBeInstanceOf(InputError);
    await expect(session.writeFile('/etc/adrs-x', 'x')).rejects.toBeInstanceOf(InputError);
    await expect(session.readFile('a/../../x')).rejects.toBeInstanceOf(InputError);
    const plant = await session.exec([
      '/bin/sh',
      '-c',
      `ln -s /etc/passwd leak && ln -s ${outside} dirlink && ln -s ${outside}/target.txt filelink && mkfifo pipe`,
    ]);
    expect(plant.exitCode).toBe(0);
    await expect(session.readFile('leak')).rejects.toBeInstanceOf(SandboxEscapeError);
    await expect(session.readFile('dirlink/target.txt')).rejects.toBeInstanceOf(SandboxEscapeError);
    await expect(session.readFile('pipe')).rejects.toBeInstanceOf(SandboxEscapeError);
    await expect(session.writeFile('dirlink/new.txt', 'x')).rejects.toBeInstanceOf(SandboxEscapeError);
    await expect(session.writeFile('filelink', 'x')).rejects.toBeInstanceOf(SandboxEscapeError);
    expect(existsSync(path.join(outside, 'new.txt'))).toBe(false);
    expect(await readFile(path.join(outside, 'target.txt'), 'utf8')).toBe('host file');
    // A hard link (where the kernel allows one) is replaced, never written through.
    const hard = await session.exec(['/bin/ln', `${outside}/target.txt`, 'hard']);
    if (hard.exitCode === 0) {
      await session.writeFile('hard', 'overwritten');
      expect(await readFile(path.join(outside, 'target.txt'), 'utf8')).toBe('host file');
    }
  });
});

describe('closing', () => {
  it('removes the session folder with its read-only copies and folders the candidate locked', async () => {
    const session = await open();
    await session.exec(['/bin/sh', '-c', 'mkdir -p locked/deep && touch locked/deep/f && chmod 000 locked']);
    const root = path.dirname(session.workspace);
    await session.close();
    expect(existsSync(session.workspace)).toBe(false);
    expect(existsSync(root)).toBe(false);
  });
});
