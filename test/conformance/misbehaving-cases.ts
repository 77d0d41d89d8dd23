// Misbehaving programs end as results, contained, with nothing left behind: the same cases for every sandbox kind.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Sandbox } from '../../sandboxes/types.js';
import { FIXTURES, PYTHON, type ConformanceTarget, type Harness } from './target.js';

/** Registers the misbehaving-program cases in the calling describe block. */
export function misbehavingCases<S extends Sandbox>(h: Harness<S>, target: ConformanceTarget<S>): void {
  const nothingLeft = (session: Parameters<ConformanceTarget<S>['nothingLeft']>[0]) =>
    target.nothingLeft(session, h.sandbox, h.marker);

  // The deadline covers starting the exec and Python too: under load a Docker exec alone can take over 1.5 s, and a
  // program killed before its first print proves nothing about the kill.
  const DEADLINE_MS = 4000;

  it('kills a program that hangs at the wall-clock limit', async () => {
    const session = await h.open();
    const result = await h.fixture(session, 'hang.py', [], DEADLINE_MS);
    expect(result).toMatchObject({ timedOut: true, killedBy: 'timeout', exitCode: null, signal: 'SIGKILL' });
    expect(result.stdoutTail).toContain('started');
    await nothingLeft(session);
  });

  it('kills a child that ignores SIGTERM', async () => {
    const session = await h.open();
    const result = await h.fixture(session, 'fork-ignore-term.py', [], DEADLINE_MS);
    expect(result.timedOut).toBe(true);
    expect(result.stdoutTail).toContain('child ignoring SIGTERM');
    await nothingLeft(session);
  });

  it('ends a program whose setsid daemon outlives it, and leaves no daemon behind', async () => {
    const session = await h.open();
    const result = await h.fixture(session, 'daemonize.py');
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(result.stdoutTail).toContain('daemon running');
    expect(result.stdoutTail).toContain('parent exits');
    await nothingLeft(session);
  });

  it('bounds a program that allocates without limit', async () => {
    const session = await h.open({ memoryMb: 256 });
    const result = await h.fixture(session, 'memory-hog.py');
    expect(result.timedOut).toBe(false);
    if (target.reportsMemoryKill) {
      expect(result).toMatchObject({ killedBy: 'memory', signal: 'SIGKILL', exitCode: null });
      // One process killed at the cap does not end the session.
      expect((await session.exec(['echo', 'alive'])).stdoutTail).toBe('alive\n');
    } else {
      expect(result.exitCode === 3 || result.signal !== null).toBe(true);
      if (result.exitCode === 3) expect(result.stderrTail).toContain('MemoryError');
    }
    await nothingLeft(session);
  });

  it('gives no network: a host loopback server sees no connection, and there is no outside link', async () => {
    if (!h.needs('network')) return;
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const session = await h.open();
      const result = await h.fixture(session, 'connect.py', [String(port)]);
      expect(result.stdoutTail).toContain('connection failed');
      expect(result.stdoutTail).not.toMatch(/^connected/m);
      const links = await session.exec(['cat', '/proc/net/dev']);
      expect(links.stdoutTail).not.toMatch(/eth\d|ens\d|enp\d|wlan\d/);
      // The same program on the host does reach the server, so the test can tell the difference.
      spawnSync(PYTHON, [path.join(FIXTURES, 'connect.py'), String(port)], { timeout: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(connections).toBe(1);
    } finally {
      server.close();
    }
  });

  it('passes no secret from the host, the spec or the exec environment', async () => {
    const planted = {
      ANTHROPIC_API_KEY: `fake-ant-planted-${h.marker}`,
      MY_SECRET_TOKEN: 'planted-token-value',
      AWS_ACCESS_KEY_ID: 'AKIAPLANTED',
    };
    const saved = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]));
    Object.assign(process.env, planted);
    try {
      const session = await h.open({}, { GOOD_SETTING: 'kept', EVIL_API_KEY: 'spec-secret' });
      const result = await session.exec([PYTHON, `${session.mounts.fixtures}/print-env.py`], {
        env: { PER_EXEC: 'also-kept', ANOTHER_TOKEN: 'exec-secret' },
      });
      expect(result.exitCode).toBe(0);
      for (const leaked of [
        'fake-ant-planted',
        'planted-token-value',
        'AKIAPLANTED',
        'spec-secret',
        'exec-secret',
      ])
        expect(result.stdoutTail).not.toContain(leaked);
      const env = JSON.parse(result.stdoutTail) as Record<string, string>;
      for (const name of Object.keys(env)) expect(name).not.toMatch(/KEY|TOKEN|SECRET|^ANTHROPIC_|^AWS_/);
      expect(env).toMatchObject({
        GOOD_SETTING: 'kept',
        PER_EXEC: 'also-kept',
        ...target.baseEnv?.(session),
      });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('kills a program that writes garbage without end, keeping only the tail', async () => {
    const session = await h.open({ outputBytes: 4096 });
    const result = await h.fixture(session, 'endless-output.py');
    expect(result).toMatchObject({ killedBy: 'output', timedOut: false });
    expect(result.stdoutBytes).toBeGreaterThan(4096);
    expect(result.stdoutTail.length).toBeGreaterThan(0);
    expect(result.stdoutTail.length).toBeLessThanOrEqual(4096); // characters: U+FFFD may widen the bytes
    await nothingLeft(session);
  });

  it('keeps exactly the last outputBytes of a long finite output and counts all of it', async () => {
    const session = await h.open({ outputBytes: 1000 });
    const lines = 20_000;
    const result = await h.fixture(session, 'many-lines.py', [String(lines)]);
    const expected = Array.from({ length: lines }, (_, i) => `line ${String(i).padStart(6, '0')}\n`).join('');
    expect(result.exitCode).toBe(7);
    expect(result.killedBy).toBeUndefined();
    expect(result.stdoutBytes).toBe(expected.length);
    expect(result.stdoutTail).toBe(expected.slice(-1000));
    expect(result.stderrBytes).toBe(expected.length - lines);
    expect(result.stderrTail.endsWith(`err ${String(lines - 1).padStart(6, '0')}\n`)).toBe(true);
  });

  it('cannot write the read-only evaluator folder nor read /root', async () => {
    if (!h.needs('sandboxUser')) return;
    const session = await h.open();
    const result = await h.fixture(session, 'escape.py', [session.mounts.problem!]);
    const report = JSON.parse(result.stdoutTail) as Record<string, string>;
    for (const attempt of ['overwrite', 'create', 'chmod', 'unlink', 'list_root'])
      expect(report[attempt]).toMatch(/^denied/);
    const check = await session.exec([
      'sh',
      '-c',
      `cat ${session.mounts.problem}/score.txt; ls ${session.mounts.problem}`,
    ]);
    expect(check.stdoutTail).toBe('42score.txt\n');
  });

  it('bounds a fork bomb by the pids limit and kills all of it', async () => {
    const session = await h.open({ pids: 48 });
    const result = await h.fixture(session, 'fork-bomb.py', [], DEADLINE_MS);
    expect(result.timedOut).toBe(true);
    expect(result.stdoutTail).toContain('fork refused');
    await nothingLeft(session);
  });
}
