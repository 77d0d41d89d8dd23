// The Docker sandbox's exec agent (sandboxes/docker/adrs_agent.py): commands run as `docker exec` would run them,
// the candidate cannot reach the agent, close() leaves nothing running, and `docker exec` stays the fallback.
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { execViaDefault } from '../sandboxes/docker/agent-socket.js';
import { DockerSandbox, type DockerSandboxOptions } from '../sandboxes/docker/docker-sandbox.js';
import type { DockerSession } from '../sandboxes/docker/docker-session.js';
import { LABEL } from '../sandboxes/docker/labels.js';
import type { ExecResult, SandboxLimits } from '../sandboxes/types.js';
import { dockerReady, warnDockerSkip } from './helpers/docker-ready.js';
import { holdRemoval } from './helpers/hold-removal.js';

const IMAGE = 'adrs-base:latest';
/** adrs-base without /usr/bin/python3, made here (a layer over adrs-base: no download). */
const NO_PYTHON = `adrs-test-nopython:${process.pid}`;
const LIMITS: SandboxLimits = { wallTimeMs: 20_000, memoryMb: 512, pids: 64, outputBytes: 65536, diskMb: 64 };
const ci = process.env.CI === 'true';

const state = await dockerReady(IMAGE);
const { docker, ready, why } = state;
if (!ci) warnDockerSkip('sandbox-docker-agent', state);

/** What a command sees of its identity and environment (HOSTNAME differs per container, so it is left out). */
const PROBE = [
  'id',
  'grep -E "^(Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status',
  'umask',
  'pwd',
  'env | grep -v -E "^(HOSTNAME|PWD|SHLVL|_)=" | sort',
  'ulimit -a',
  'ls -l /proc/self/fd | tail -n +2 | wc -l',
].join('; ');

/** Tries, as whoever runs it, to reach the agent in every way we know; prints one JSON object of outcomes. */
const REACH = String.raw`
import ctypes, json, os, socket
out = {}
def attempt(name, fn):
    try:
        fn()
        out[name] = "reached"
    except PermissionError:
        out[name] = "denied"
    except OSError as e:
        out[name] = "error " + str(e.errno)
with open("/proc/1/task/1/children") as f:
    agent = sorted(int(p) for p in f.read().split())[0]
out["agent_cmdline"] = open(f"/proc/{agent}/cmdline").read().split("\0")[:3]
def connect(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
attempt("list_folder", lambda: os.listdir("/adrs-agent"))
attempt("connect", lambda: connect("/adrs-agent/agent.sock"))
attempt("connect_via_proc_root", lambda: connect(f"/proc/{agent}/root/adrs-agent/agent.sock"))
attempt("list_fds", lambda: os.listdir(f"/proc/{agent}/fd"))
attempt("environ", lambda: open(f"/proc/{agent}/environ").read())
attempt("signal", lambda: os.kill(agent, 9))
libc = ctypes.CDLL(None, use_errno=True)
def ptrace():
    if libc.ptrace(16, agent, None, None) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
attempt("ptrace", ptrace)
with open("/proc/net/unix") as f:
    out["abstract_sockets"] = [l.split()[-1] for l in f if l.split()[-1].startswith("@")]
print(json.dumps(out))
`;

/** A daemon: double-forks into its own session, ignores SIGTERM and keeps forking replacements. */
const DAEMON = String.raw`
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in (0, 1, 2):
            os.close(fd)  # holds no output open: the exec ends normally and nothing sweeps it before close()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            if os.fork() == 0:
                time.sleep(3600)
                os._exit(0)
            time.sleep(0.05)
    os._exit(0)
print("started")
`;

describe('execViaDefault (no engine needed)', () => {
  it('is the agent unless ADRS_DOCKER_EXEC says engine; anything else is a one-line error naming the variable', () => {
    expect(execViaDefault({})).toBe('agent');
    expect(execViaDefault({ ADRS_DOCKER_EXEC: 'engine' })).toBe('engine');
    expect(() => execViaDefault({ ADRS_DOCKER_EXEC: 'exec' })).toThrow(InputError);
    expect(() => execViaDefault({ ADRS_DOCKER_EXEC: 'exec' })).toThrow(/ADRS_DOCKER_EXEC=exec: use "agent"/);
  });
});

describe.runIf(ready || ci)('Docker exec agent', () => {
  let tmp: string;
  let workspaceDir: string;
  let evaluatorDir: string;
  const sandboxes: DockerSandbox[] = [];

  beforeAll(async () => {
    if (!ready) return;
    // adrs-base without python3: the agent cannot start, so the container falls back to `sleep infinity`.
    const maker = await docker.createContainer({
      Image: IMAGE,
      User: '0:0',
      Cmd: ['rm', '-f', '/usr/bin/python3'],
      Labels: { [LABEL.pid]: String(process.pid) },
    });
    await maker.start();
    await maker.wait();
    const [repo, tag] = NO_PYTHON.split(':');
    await maker.commit({ repo, tag });
    await maker.remove({ force: true });
  });

  afterAll(async () => {
    if (ready)
      await docker
        .getImage(NO_PYTHON)
        .remove({ force: true })
        .catch(() => undefined);
  });

  beforeEach(async () => {
    if (!ready) expect.fail(`CI=true but the Docker sandbox cannot run: ${why}`);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'adrs-docker-agent-test-'));
    workspaceDir = path.join(tmp, 'workspace');
    evaluatorDir = path.join(tmp, 'evaluator');
    await mkdir(workspaceDir);
    await mkdir(evaluatorDir);
    await writeFile(path.join(workspaceDir, 'reach.py'), REACH);
    await writeFile(path.join(workspaceDir, 'daemon.py'), DAEMON);
  });

  afterEach(async () => {
    await Promise.allSettled(sandboxes.splice(0).map((s) => s.dispose()));
    if (tmp) await rm(tmp, { recursive: true, force: true });
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.pid}=${process.pid}`] },
    });
    expect(left).toEqual([]);
  });

  async function open(options: DockerSandboxOptions = {}): Promise<DockerSession> {
    // The agent unless a case says otherwise, whatever ADRS_DOCKER_EXEC says for the rest of the run.
    const sandbox = new DockerSandbox({ image: IMAGE, execVia: 'agent', ...options });
    sandboxes.push(sandbox);
    return (await sandbox.open({
      workspaceDir,
      readonlyDirs: { problem: evaluatorDir },
      limits: LIMITS,
    })) as DockerSession;
  }

  /** What a command's result says, without what differs by path (timing). */
  function outcome(r: ExecResult): Omit<ExecResult, 'durationMs'> {
    const { durationMs: _, ...rest } = r;
    return rest;
  }

  it('runs each command as `docker exec` does: same identity, capabilities, environment, exits, signals, stdin', async () => {
    const viaAgent = await open({ execVia: 'agent' });
    const viaEngine = await open({ execVia: 'engine' });
    expect(await viaAgent.commandsVia()).toBe('agent');
    expect(await viaEngine.commandsVia()).toBe('engine');
    const cases: [
      string[],
      { trusted?: boolean; stdin?: string; env?: Record<string, string>; cwd?: string },
    ][] = [
      [['sh', '-c', PROBE], {}],
      [['sh', '-c', PROBE], { trusted: true }],
      [['sh', '-c', PROBE], { env: { EXTRA: 'x y' }, cwd: '/tmp' }],
      [['sh', '-c', 'echo out; echo err >&2; exit 7'], {}],
      [['sh', '-c', 'kill -9 $$'], {}],
      [['cat'], { stdin: 'through stdin\n' }],
      [['sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" a'], {}],
    ];
    for (const [command, options] of cases) {
      const [a, e] = [await viaAgent.exec(command, options), await viaEngine.exec(command, options)];
      expect(outcome(a), `${command.join(' ')} ${JSON.stringify(options)}`).toEqual(outcome(e));
    }
    const probe = await viaAgent.exec(['sh', '-c', PROBE]);
    expect(probe.stdoutTail).toContain('uid=1000(sandbox) gid=1000(sandbox) groups=1000(sandbox)');
    expect(probe.stdoutTail).toMatch(/CapEff:\s+0+\n/);
    expect(probe.stdoutTail).not.toContain('ADRS_AGENT_PY');
    // A command that cannot start fails in both (the message differs: the engine's is runc's).
    for (const session of [viaAgent, viaEngine]) {
      const missing = await session.exec(['no-such-command']);
      expect(missing.exitCode).toBe(126);
    }
    // Files in and out go the same way through either.
    await viaAgent.writeFile('in.txt', 'written through the agent');
    expect((await viaAgent.readFile('in.txt'))?.toString()).toBe('written through the agent');
  });

  it('the candidate and the trusted uid can reach neither the agent nor its socket', async () => {
    const session = await open();
    expect(await session.commandsVia()).toBe('agent');
    for (const trusted of [false, true]) {
      const res = await session.exec(['python3', '/work/reach.py'], { trusted });
      expect(res.exitCode, res.stderrTail).toBe(0);
      const out = JSON.parse(res.stdoutTail) as Record<string, unknown>;
      // The process probed is the agent (not some other child of init).
      expect(out.agent_cmdline).toEqual(['/usr/bin/python3', '-I', '-S']);
      for (const what of [
        'list_folder',
        'connect',
        'connect_via_proc_root',
        'list_fds',
        'environ',
        'signal',
        'ptrace',
      ])
        expect(out[what], `${what} (trusted: ${trusted})`).toBe('denied');
      expect(out.abstract_sockets).toEqual([]);
      expect(await session.exec(['true'])).toMatchObject({ exitCode: 0 }); // the agent still serves
    }
  });

  it('close() leaves nothing of the candidate running: a respawning daemon in its own session is gone', async () => {
    const session = await open();
    expect(await session.commandsVia()).toBe('agent');
    const started = await session.exec(['python3', '/work/daemon.py']);
    expect(started.stdoutTail.trim()).toBe('started');
    const before = await session.exec(['pgrep', '-c', '-u', '1000', 'python3']);
    expect(Number(before.stdoutTail.trim()), before.stderrTail).toBeGreaterThanOrEqual(2); // the daemon and a child
    const release = holdRemoval(session.container);
    await session.close();
    try {
      // The container is still up (its removal is held): only root's Docker init and agent may be alive in it.
      const top = (await session.container.top({ ps_args: '-o pid,stat,user,args' })) as {
        Processes: string[][];
      };
      expect(top.Processes.length).toBeGreaterThanOrEqual(2);
      const alive = top.Processes.filter(
        ([, stat, user, args]) =>
          !stat?.startsWith('Z') &&
          !(
            user === 'root' &&
            /^\/sbin\/docker-init|^\/usr\/bin\/python3 -I -S -c import os; exec/.test(args ?? '')
          ),
      );
      expect(alive).toEqual([]);
    } finally {
      release();
    }
  });

  it('a socket swapped for a link (a malicious image) is never connected to: the command goes through `docker exec`', async () => {
    const session = await open();
    const socket = await session.agentSocket();
    expect(socket).toBeDefined();
    // A host socket the link points at: it must see no connection.
    let connections = 0;
    const decoyPath = path.join(tmp, 'decoy.sock');
    const decoy = net.createServer((c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((resolve) => decoy.listen(decoyPath, resolve));
    try {
      await rename(socket!.path, `${socket!.path}.moved`);
      await symlink(decoyPath, socket!.path);
      const res = await session.exec(['sh', '-c', 'echo via-engine; id -u']);
      expect(res).toMatchObject({ exitCode: 0, stdoutTail: 'via-engine\n1000\n' });
      await session.close();
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => decoy.close(resolve));
    }
  });

  it('an image without python3 keeps working through `docker exec`, and the engine switch starts no agent', async () => {
    const bare = await open({ image: NO_PYTHON });
    expect(await bare.commandsVia()).toBe('engine');
    expect(await bare.exec(['sh', '-c', 'id -u; cat /proc/1/task/1/children'])).toMatchObject({
      exitCode: 0,
    });
    const engine = await open({ execVia: 'engine' });
    const info = await engine.container.inspect();
    expect(info.Config.Cmd).toEqual(['sleep', 'infinity']);
    expect(info.Config.Env.some((e) => e.startsWith('ADRS_AGENT_PY='))).toBe(false);
    expect(info.Mounts.some((m) => m.Destination === '/adrs-agent')).toBe(false);
  });
});
