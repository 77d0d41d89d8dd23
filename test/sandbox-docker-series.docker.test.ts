// Docker series (one container per verification arm): what one sample leaves behind never reaches the next.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HARNESS_DIR } from '../evaluators/run-evaluation.js';
import { DockerSandbox } from '../sandboxes/docker/docker-sandbox.js';
import type { DockerSeries } from '../sandboxes/docker/docker-series.js';
import type { DockerSession } from '../sandboxes/docker/docker-session.js';
import { engineReachable } from '../sandboxes/docker/engine.js';
import { LABEL } from '../sandboxes/docker/labels.js';
import type { SandboxLimits, SandboxSessionControl } from '../sandboxes/types.js';

const IMAGE = 'adrs-base:latest';
const LIMITS: SandboxLimits = { wallTimeMs: 20_000, memoryMb: 512, pids: 64, outputBytes: 8192, diskMb: 64 };
const ci = process.env.CI === 'true';
const docker = new Docker();
const reachable = await engineReachable(docker);
const ready =
  reachable &&
  (await docker
    .getImage(IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    ));
if (!ready && !ci)
  console.warn(
    `\n*** sandbox-docker-series: SKIPPED: no Docker engine or no ${IMAGE} (bash .ci/docker.sh) ***\n`,
  );

/** Lists every process of the container but the lister: pid, uid and command line. */
const PS = `
import os
me = os.getpid()
for p in sorted(int(x) for x in os.listdir("/proc") if x.isdigit()):
    if p == me:
        continue
    try:
        uid = os.stat(f"/proc/{p}").st_uid
        cmd = open(f"/proc/{p}/cmdline", "rb").read().replace(b"\\0", b" ").decode().strip()
    except OSError:
        continue
    print(p, uid, cmd)
`;

/** A daemon that double-forks into its own session and burns CPU until killed. */
const BURNER = `
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in (0, 1, 2):
            os.close(fd)
        while True:
            pass
    os._exit(0)
os.wait()
print("left a burner behind")
`;

/** Leaves state in every shared place a later process could read: SysV shm/sem/msg, POSIX shm, mqueue, /tmp. */
const LEAVE_STATE = `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
shm = libc.shmget(0x5eed, 4096, 0o1666)  # IPC_CREAT | 0666
assert shm >= 0, ctypes.get_errno()
addr = libc.shmat(shm, None, 0)
ctypes.memmove(addr, b"sample one was here", 19)
assert libc.semget(0x5eee, 1, 0o1666) >= 0
assert libc.msgget(0x5eef, 0o1666) >= 0
open("/dev/shm/posix-state", "w").write("left")
open("/tmp/tmp-state", "w").write("left")
os.makedirs("/tmp/locked/deeper")
os.chmod("/tmp/locked", 0)
os.chmod("/work", 0)
print("left state")
`;

/** The container's main process: the exec agent (root, started by the platform), or `sleep infinity` without it. */
const KEEP_ALIVE =
  /(?:root|0) \/usr\/bin\/python3 -I -S -c import os; exec\(os.environ.pop\("ADRS_AGENT_PY"\)\) \/adrs-agent$|sleep infinity/m;

/** What a later process can still see of that state. */
const SEE_STATE = `
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
seen = {
    "shm": libc.shmget(0x5eed, 0, 0) >= 0,
    "sem": libc.semget(0x5eee, 0, 0) >= 0,
    "msg": libc.msgget(0x5eef, 0) >= 0,
    "sysvipc": [n for n in ("shm", "sem", "msg") if len(open(f"/proc/sysvipc/{n}").readlines()) > 1],
    "dev_shm": os.listdir("/dev/shm"),
    "tmp": os.listdir("/tmp"),
    "work": sorted(os.listdir("/work")),
}
print(json.dumps(seen))
`;

describe.runIf(ready || ci)('Docker sandbox series: one container per arm, reset between samples', () => {
  let tmp: string;
  let workspaceDir: string;
  let sandbox: DockerSandbox;
  let series: DockerSeries;
  const open: SandboxSessionControl[] = [];

  beforeEach(async () => {
    if (!ready) expect.fail(`CI=true but Docker cannot run here: no engine or no ${IMAGE}`);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'adrs-series-test-'));
    workspaceDir = path.join(tmp, 'workspace');
    await mkdir(workspaceDir);
    await writeFile(path.join(workspaceDir, 'candidate.py'), 'print("hi")\n');
    sandbox = new DockerSandbox({ image: IMAGE });
    series = sandbox.series();
  });

  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((s) => s.close()));
    await series.dispose();
    await sandbox.dispose();
    await rm(tmp, { recursive: true, force: true });
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.pid}=${process.pid}`] },
    });
    expect(left.map((c) => c.Names)).toEqual([]);
  });

  async function session(limits: Partial<SandboxLimits> = {}): Promise<DockerSession> {
    const s = (await series.open({
      workspaceDir,
      readonlyDirs: { harness: HARNESS_DIR },
      limits: { ...LIMITS, ...limits },
      image: IMAGE,
    })) as DockerSession;
    open.push(s);
    return s;
  }

  async function python(s: DockerSession, code: string, trusted = false): Promise<string> {
    const res = await s.exec(['python3', '-c', code], { trusted });
    expect(res.exitCode, res.stderrTail).toBe(0);
    return res.stdoutTail;
  }

  it('reuses the container, with a fresh workspace each time', async () => {
    const first = await session();
    await first.writeFile('scratch.txt', 'from sample one');
    const firstId = first.container.id;
    await first.close();
    const second = await session();
    expect(second.container.id, `replaced: ${series.stats.reasons.join('; ')}`).toBe(firstId);
    expect(series.stats).toMatchObject({ reused: 1, replaced: 0 });
    expect(await second.readFile('scratch.txt')).toBeUndefined();
    expect((await second.readFile('candidate.py'))?.toString()).toBe('print("hi")\n');
  });

  it('a daemon left by one sample does not survive into the next, and burns no CPU after close', async () => {
    const first = await session();
    // The trusted evaluator's uid may leave one too (through its own fork, not the warden). First: the
    // warden kills the candidate uid's processes when a trusted command ends.
    await python(first, BURNER, true);
    expect(await python(first, BURNER)).toContain('left a burner');
    const container = first.container;
    const before = await python(first, PS);
    expect(before.split('\n').filter((l) => / python3 -c/.test(l)).length).toBeGreaterThanOrEqual(2);
    await first.close();
    // Seen from the host (the container's cgroup), not from inside: only init and the keep-alive (the exec
    // agent, or `sleep infinity` without it) are left.
    const top = (await container.top({ ps_args: '-o pid,user,args' })) as { Processes: string[][] };
    const others = top.Processes.map((p) => p.join(' ')).filter(
      (l) => !KEEP_ALIVE.test(l) && !/docker-init/.test(l),
    );
    expect(others).toEqual([]);
    expect(top.Processes.length).toBe(2);
    // And nothing in the container uses CPU while the other arm's sample would run.
    const cpu = async (): Promise<number> =>
      (await container.stats({ stream: false })).cpu_stats.cpu_usage.total_usage;
    const a = await cpu();
    await new Promise((r) => setTimeout(r, 500));
    expect((await cpu()) - a).toBeLessThan(20e6); // < 20 ms of CPU in 0.5 s: no burner (one would use ~500 ms)
    const second = await session();
    expect(second.container.id, `replaced: ${series.stats.reasons.join('; ')}`).toBe(container.id);
    const after = await python(second, PS);
    const lines = after.trim().split('\n');
    // init (docker-init) and the keep-alive (the agent), nothing else.
    expect(lines, after).toHaveLength(2);
    expect(after).toMatch(/^1 0 .*init/m);
    expect(after).toMatch(KEEP_ALIVE);
  });

  it('SysV IPC, POSIX shm, /tmp and workspace state do not carry over (even with modes taken away)', async () => {
    const first = await session();
    expect(await python(first, LEAVE_STATE)).toContain('left state');
    expect(
      JSON.parse(await python(first, SEE_STATE.replace('"work": sorted(os.listdir("/work")),', ''))),
    ).toMatchObject({
      shm: true,
      sem: true,
      msg: true,
    });
    await first.close();
    const second = await session();
    expect(second.container.id, `replaced: ${series.stats.reasons.join('; ')}`).toBe(first.container.id);
    expect(JSON.parse(await python(second, SEE_STATE))).toEqual({
      shm: false,
      sem: false,
      msg: false,
      sysvipc: [],
      dev_shm: [],
      tmp: [],
      work: ['candidate.py'],
    });
    // The trusted uid's side is wiped too.
    expect(JSON.parse(await python(second, SEE_STATE, true))).toMatchObject({ shm: false, tmp: [] });
  });

  it('both uids leaving many files in /tmp: the two cleaners, running at once, still reuse the container', async () => {
    // The cleaners of the candidate and the trusted uid both list /tmp; each sees the other's files vanish under
    // it. A vanished entry is not a failure (CI once replaced a clean container for that: "cleaning as trusted
    // failed (wait status 1024)"). Two thousand files each make the overlap near certain.
    const first = await session();
    const many = (tag: string) =>
      `import os\nfor i in range(2000):\n    open(f"/tmp/${tag}-{i}", "w").close()\nos.makedirs("/tmp/${tag}-dir/a/b")`;
    await python(first, many('candidate'));
    await python(first, many('trusted'), true);
    await first.close();
    const second = await session();
    expect(second.container.id, `replaced: ${series.stats.reasons.join('; ')}`).toBe(first.container.id);
    expect(JSON.parse(await python(second, SEE_STATE))).toMatchObject({ tmp: [] });
  });

  it('what the reset cannot verify clean gets a fresh container', async () => {
    const first = await session();
    // The candidate uid opens a folder to everyone; the trusted uid fills it. Neither uid can delete the other's files.
    await python(first, 'import os\nos.mkdir("/tmp/shared")\nos.chmod("/tmp/shared", 0o777)');
    await python(first, 'import os\nos.makedirs("/tmp/shared/theirs/x")', true);
    await first.close();
    const second = await session();
    expect(second.container.id).not.toBe(first.container.id);
    expect(series.stats.replaced).toBe(1);
    expect(series.stats.reasons[0]).toMatch(/\/tmp|cleaning/);
    expect(JSON.parse(await python(second, SEE_STATE))).toMatchObject({ tmp: [] });
  });

  it('a container killed at its deadline is never reused', async () => {
    const first = await session({ wallTimeMs: 1_500 });
    const res = await first.exec(['sleep', '30']);
    expect(res.killedBy).toBe('timeout');
    await first.close();
    const second = await session({ wallTimeMs: 1_500 });
    expect(second.container.id).not.toBe(first.container.id);
    expect(series.stats.reused).toBe(0);
  });

  it('another shape (limits) or other read-only folders: a fresh container', async () => {
    const first = await session();
    await first.close();
    const second = await session({ memoryMb: 256 });
    expect(second.container.id).not.toBe(first.container.id);
    await second.close();
    const evaluatorDir = path.join(tmp, 'evaluator');
    await mkdir(evaluatorDir);
    const third = (await series.open({
      workspaceDir,
      readonlyDirs: { problem: evaluatorDir },
      limits: { ...LIMITS, memoryMb: 256 },
      image: IMAGE,
    })) as DockerSession;
    open.push(third);
    expect(third.container.id).not.toBe(second.container.id);
  });

  it('two series (two arms) never share a container', async () => {
    const other = sandbox.series();
    try {
      const a = await session();
      await a.close();
      const b = (await other.open({
        workspaceDir,
        readonlyDirs: { harness: HARNESS_DIR },
        limits: LIMITS,
        image: IMAGE,
      })) as DockerSession;
      open.push(b);
      expect(b.container.id).not.toBe(a.container.id);
      await b.close();
    } finally {
      await other.dispose();
    }
  });
});
