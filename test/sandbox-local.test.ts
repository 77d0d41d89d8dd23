// The local sandbox against real misbehaving programs: every one ends as a result, and nothing of it survives.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import { SandboxEscapeError } from '../sandboxes/local/safe-path.js';
import type { ExecResult, SandboxLimits, SandboxSessionControl } from '../sandboxes/types.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'misbehaving');
const PYTHON = '/usr/bin/python3';
/** Put in the argv and environment of every process a test starts, so survivors can be found. */
const RUN_MARKER = `adrs-test-${randomBytes(6).toString('hex')}`;

const LIMITS: SandboxLimits = { wallTimeMs: 20_000, memoryMb: 1024, pids: 64, outputBytes: 8192 };

const described = (await new LocalSandbox().describe()) as {
  isolation: { netns: boolean; pidns: boolean; user: string };
};
const namespaces = described.isolation.netns && described.isolation.pidns;
const asNobody = described.isolation.user === 'nobody';
const ci = process.env.CI === 'true';

function loudSkip(what: string): void {
  console.warn(`\n*** sandbox-local: SKIPPED ${what} (isolation here: ${JSON.stringify(described)}) ***\n`);
}

/** Processes (other than this one) whose cmdline or environment contains `marker`. */
function survivors(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    for (const file of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${name}/${file}`).includes(marker)) {
          found.push(Number(name));
          break;
        }
      } catch {
        // gone, or not ours to read
      }
    }
  }
  return found;
}

function killSurvivors(marker: string): void {
  for (const pid of survivors(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
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
  it('uses network and PID namespaces and the nobody user (required in CI)', async () => {
    if (!(namespaces && asNobody)) {
      if (ci) expect.fail(`full isolation is required with CI=true, got ${JSON.stringify(described)}`);
      loudSkip('the full-isolation check');
      return;
    }
    const session = await open();
    expect(session.warnings).toEqual([]);
    const result = await session.exec(['/bin/sh', '-c', 'id -u; echo $$']);
    const [uid, pid] = result.stdoutTail.trim().split('\n');
    expect(uid).toBe('65534');
    expect(pid).toBe('1');
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

describe('misbehaving programs end as results with nothing left behind', () => {
  it('kills a program that hangs at the wall-clock limit', async () => {
    const session = await open();
    const result = await runFixture(session, 'hang.py', [], { timeoutMs: 1500 });
    expect(result).toMatchObject({ timedOut: true, killedBy: 'timeout', exitCode: null, signal: 'SIGKILL' });
    expect(result.stdoutTail).toContain('started');
    expect(survivors(RUN_MARKER)).toEqual([]);
  });

  it('kills a child that ignores SIGTERM', async () => {
    const session = await open();
    const result = await runFixture(session, 'fork-ignore-term.py', [], { timeoutMs: 1500 });
    expect(result.timedOut).toBe(true);
    expect(result.stdoutTail).toContain('child ignoring SIGTERM');
    expect(survivors(RUN_MARKER)).toEqual([]);
  });

  it('leaves no double-forked setsid daemon behind when the program exits on its own', async () => {
    const session = await open();
    const result = await runFixture(session, 'daemonize.py');
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.stdoutTail).toContain('daemon running');
    expect(result.stdoutTail).toContain('parent exits');
    expect(survivors(RUN_MARKER)).toEqual([]);
  });

  it('bounds a program that allocates without limit', async () => {
    const session = await open({ memoryMb: 256 });
    const result = await runFixture(session, 'memory-hog.py');
    expect(result.timedOut).toBe(false);
    expect(result.exitCode === 3 || result.signal !== null).toBe(true);
    if (result.exitCode === 3) expect(result.stderrTail).toContain('MemoryError');
    expect(survivors(RUN_MARKER)).toEqual([]);
  });

  it('gives no network: a loopback server sees no connection', async () => {
    if (!namespaces) {
      if (ci) expect.fail('no network namespace with CI=true');
      loudSkip('the network test');
      return;
    }
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const session = await open();
      const result = await runFixture(session, 'connect.py', [String(port)]);
      expect(result.stdoutTail).toContain('connection failed');
      expect(result.stdoutTail).not.toContain('connected');
      // The same program outside the sandbox does reach the server, so the test can tell the difference.
      execFileSync(PYTHON, [path.join(FIXTURES, 'connect.py'), String(port)], { timeout: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(connections).toBe(1);
    } finally {
      server.close();
    }
  });

  it('passes no secret from the host environment', async () => {
    const planted = {
      ANTHROPIC_API_KEY: `fake-ant-planted-${RUN_MARKER}`,
      MY_SECRET_TOKEN: 'planted-token-value',
      AWS_ACCESS_KEY_ID: 'AKIAPLANTED',
      LANG: 'C.UTF-8',
    };
    const saved = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]));
    Object.assign(process.env, planted);
    try {
      const session = await open({}, { env: { GOOD_SETTING: 'kept', EVIL_API_KEY: 'spec-secret' } });
      const result = await session.exec(
        [PYTHON, path.join(session.mounts.fixtures as string, 'print-env.py')],
        {
          env: { PER_EXEC: 'also-kept', ANOTHER_TOKEN: 'exec-secret' },
        },
      );
      expect(result.exitCode).toBe(0);
      const env = JSON.parse(result.stdoutTail) as Record<string, string>;
      for (const leaked of [
        'fake-ant-planted',
        'planted-token-value',
        'AKIAPLANTED',
        'spec-secret',
        'exec-secret',
      ])
        expect(result.stdoutTail).not.toContain(leaked);
      for (const name of Object.keys(env)) expect(name).not.toMatch(/KEY|TOKEN|SECRET|^ANTHROPIC_|^AWS_/);
      expect(env).toMatchObject({
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: session.workspace,
        GOOD_SETTING: 'kept',
        PER_EXEC: 'also-kept',
        LANG: 'C.UTF-8',
      });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('kills a program that writes garbage without end, keeping only the tail', async () => {
    const session = await open({ outputBytes: 4096 });
    const result = await runFixture(session, 'endless-output.py');
    expect(result).toMatchObject({ killedBy: 'output', timedOut: false, signal: 'SIGKILL' });
    expect(result.stdoutBytes).toBeGreaterThan(1 << 20);
    expect(result.stdoutTail.length).toBeGreaterThan(0);
    expect(result.stdoutTail.length).toBeLessThanOrEqual(4096);
    expect(survivors(RUN_MARKER)).toEqual([]);
  });

  it('keeps exactly the last outputBytes of a long finite output and counts all of it', async () => {
    const session = await open({ outputBytes: 1000 });
    const lines = 20_000;
    const result = await runFixture(session, 'many-lines.py', [String(lines)]);
    const expected = Array.from({ length: lines }, (_, i) => `line ${String(i).padStart(6, '0')}\n`).join('');
    expect(result.exitCode).toBe(7);
    expect(result.killedBy).toBeUndefined();
    expect(result.stdoutBytes).toBe(expected.length);
    expect(result.stdoutTail).toBe(expected.slice(-1000));
    expect(result.stderrBytes).toBe(expected.length - lines);
    expect(result.stderrTail.endsWith(`err ${String(lines - 1).padStart(6, '0')}\n`)).toBe(true);
  });

  it('cannot write the read-only evaluator folder nor read /root', async () => {
    if (!asNobody) {
      if (ci) expect.fail('not root with CI=true: candidates are not switched to nobody');
      loudSkip('the read-only / root-read test');
      return;
    }
    const session = await open();
    const result = await runFixture(session, 'escape.py', [session.mounts.problem as string]);
    const report = JSON.parse(result.stdoutTail) as Record<string, string>;
    for (const attempt of ['overwrite', 'create', 'chmod', 'unlink', 'list_root'])
      expect(report[attempt]).toMatch(/^denied/);
    expect(await readFile(path.join(session.mounts.problem as string, 'score.txt'), 'utf8')).toBe('42');
    expect(existsSync(path.join(session.mounts.problem as string, 'planted.txt'))).toBe(false);
  });

  it('bounds a fork bomb by the pids limit and kills all of it', async () => {
    const session = await open({ pids: 16 });
    const result = await runFixture(session, 'fork-bomb.py', [], { timeoutMs: 3000 });
    expect(result.timedOut).toBe(true);
    expect(result.stdoutTail).toContain('fork refused');
    expect(survivors(RUN_MARKER)).toEqual([]);
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
  it('gives each session a fresh copy of the workspace', async () => {
    const first = await open();
    const wrote = await first.exec(['/bin/sh', '-c', 'echo changed > candidate.py && echo new > extra.txt']);
    expect(wrote.exitCode).toBe(0);
    expect((await first.readFile('extra.txt'))?.toString()).toBe('new\n');
    const second = await open();
    expect(second.workspace).not.toBe(first.workspace);
    expect((await second.readFile('candidate.py'))?.toString()).toBe('print("seed")\n');
    expect(await second.readFile('extra.txt')).toBeUndefined();
    expect(await readFile(path.join(workspaceDir, 'candidate.py'), 'utf8')).toBe('print("seed")\n');
  });

  it('writes and reads relative to the workspace, and the candidate can use what was written', async () => {
    const session = await open();
    await session.writeFile('inputs/data.txt', 'abc');
    const result = await session.exec([
      '/bin/sh',
      '-c',
      'cat inputs/data.txt && echo def >> inputs/data.txt',
    ]);
    expect(result).toMatchObject({ exitCode: 0, stdoutTail: 'abc' });
    expect((await session.readFile('inputs/data.txt'))?.toString()).toBe('abcdef\n');
    expect((await session.readFile('inputs/data.txt', 2))?.toString()).toBe('ab');
    expect(await session.readFile('missing.json')).toBeUndefined();
  });

  it('feeds stdin and runs in a cwd inside the session only', async () => {
    const session = await open();
    await session.writeFile('sub/marker.txt', 'here');
    const piped = await session.exec(['/bin/cat'], { stdin: 'from stdin' });
    expect(piped).toMatchObject({ exitCode: 0, stdoutTail: 'from stdin' });
    const inSub = await session.exec(['/bin/cat', 'marker.txt'], { cwd: 'sub' });
    expect(inSub.stdoutTail).toBe('here');
    const inMount = await session.exec(['/bin/cat', 'score.txt'], { cwd: session.mounts.problem as string });
    expect(inMount.stdoutTail).toBe('42');
    await expect(session.exec(['/bin/true'], { cwd: '/etc' })).rejects.toBeInstanceOf(InputError);
    await expect(session.exec(['/bin/true'], { cwd: '../..' })).rejects.toBeInstanceOf(InputError);
    const missing = await session.exec(['no-such-program-adrs']);
    expect(missing.exitCode).not.toBe(0);
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
  it('kills running execs, removes the files, and is idempotent', async () => {
    const session = await open();
    const running = runFixture(session, 'fork-ignore-term.py', [], { timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await session.close();
    const result = await running;
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: false });
    expect(survivors(RUN_MARKER)).toEqual([]);
    expect(existsSync(session.workspace)).toBe(false);
    await session.close();
    await expect(session.exec(['/bin/true'])).rejects.toThrow(/closed/);
  });

  it('removes read-only copies and folders the candidate locked', async () => {
    const session = await open();
    await session.exec(['/bin/sh', '-c', 'mkdir -p locked/deep && touch locked/deep/f && chmod 000 locked']);
    const root = path.dirname(session.workspace);
    await session.close();
    expect(existsSync(root)).toBe(false);
  });
});
