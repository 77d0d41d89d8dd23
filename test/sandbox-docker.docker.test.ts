// What only the Docker sandbox does: hardened create options, GPU requests, containers (after a timeout, on
// close, in the warm pool, orphans), symlinks against its tar transfers, capabilities, the host it cannot see.
// The cases it shares with the local sandbox are in test/conformance.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createOptions, shapeFor } from '../sandboxes/docker/container-shape.js';
import { DockerSandbox } from '../sandboxes/docker/docker-sandbox.js';
import type { DockerSession } from '../sandboxes/docker/docker-session.js';
import { collectGarbage } from '../sandboxes/docker/gc.js';
import { gpuDeviceRequests } from '../sandboxes/docker/gpu-request.js';
import { LABEL } from '../sandboxes/docker/labels.js';
import type { SandboxLimits, SandboxSessionControl } from '../sandboxes/types.js';
import { cli } from './helpers/cli.js';
import { dockerReady, warnDockerSkip } from './helpers/docker-ready.js';
import { holdRemoval } from './helpers/hold-removal.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'misbehaving');
const IMAGE = 'adrs-base:latest';
const LIMITS: SandboxLimits = { wallTimeMs: 20_000, memoryMb: 512, pids: 64, outputBytes: 8192, diskMb: 64 };
const ci = process.env.CI === 'true';

const state = await dockerReady(IMAGE);
const { docker, ready, why } = state;
if (!ci) warnDockerSkip('sandbox-docker', state);

/** Containers this test process made (by the adrs.pid label), running or not. */
async function ourContainers(): Promise<string[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.pid}=${process.pid}`] },
  });
  return list.map((c) => c.Id);
}

describe('GPU requests and create options (no engine needed)', () => {
  it('maps --gpus all|N|ids to device requests and rejects junk', () => {
    expect(gpuDeviceRequests('all')).toEqual([{ Driver: 'nvidia', Capabilities: [['gpu']], Count: -1 }]);
    expect(gpuDeviceRequests('2')).toEqual([{ Driver: 'nvidia', Capabilities: [['gpu']], Count: 2 }]);
    expect(gpuDeviceRequests('0,GPU-3f2a')).toEqual([
      { Driver: 'nvidia', Capabilities: [['gpu']], DeviceIDs: ['0', 'GPU-3f2a'] },
    ]);
    expect(gpuDeviceRequests(undefined)).toBeUndefined();
    expect(gpuDeviceRequests('0')).toBeUndefined();
    expect(() => gpuDeviceRequests('all; rm -rf /')).toThrow(InputError);
  });

  it('builds hardened create options from the limits', () => {
    const shape = shapeFor(IMAGE, { ...LIMITS, cpus: 1.5, gpus: '1' }, { cpuset: '0' });
    const options = createOptions(shape, 'adrs-x', { [LABEL.session]: 'x' });
    const host = options.HostConfig!;
    expect(host).toMatchObject({
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Init: true,
      Memory: 512 * 1024 * 1024,
      MemorySwap: 512 * 1024 * 1024,
      PidsLimit: 64,
      NanoCpus: 1.5e9,
      CpusetCpus: '0',
      DeviceRequests: [{ Driver: 'nvidia', Count: 1, Capabilities: [['gpu']] }],
    });
    const work = host.Mounts?.find((m) => m.Target === '/work');
    expect(work?.VolumeOptions?.DriverConfig.Options).toMatchObject({ type: 'tmpfs' });
    expect(work?.VolumeOptions?.DriverConfig.Options.o).toContain('size=64m');
    expect(host.Tmpfs?.['/tmp']).toMatch(/size=\d+m/);
    expect(host.ShmSize).toBeGreaterThan(64 * 1024 * 1024);
    // Root for the trust-domain warden only (SETUID/SETGID kept, nothing else); every exec names its user.
    expect(options.User).toBe('0:0');
    expect(host.CapAdd).toEqual(['SETUID', 'SETGID']);
  });
});

describe.runIf(ready || ci)('Docker sandbox', () => {
  let tmp: string;
  let workspaceDir: string;
  let evaluatorDir: string;
  const sandboxes: DockerSandbox[] = [];
  const sessions: SandboxSessionControl[] = [];
  const owners = new Map<SandboxSessionControl, DockerSandbox>();

  beforeEach(async () => {
    if (!ready) expect.fail(`CI=true but the Docker sandbox cannot run: ${why}`);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'adrs-docker-test-'));
    workspaceDir = path.join(tmp, 'workspace');
    evaluatorDir = path.join(tmp, 'evaluator');
    await mkdir(path.join(workspaceDir, 'pkg'), { recursive: true });
    await mkdir(evaluatorDir);
    await writeFile(path.join(workspaceDir, 'candidate.py'), 'import os\nprint("seed", os.getuid())\n');
    await writeFile(path.join(workspaceDir, 'pkg', 'data.txt'), 'nested');
    await writeFile(path.join(evaluatorDir, 'score.txt'), '42');
  });

  afterEach(async () => {
    await Promise.allSettled(sessions.splice(0).map((s) => s.close()));
    await Promise.allSettled(sandboxes.splice(0).map((s) => s.dispose()));
    if (tmp) await rm(tmp, { recursive: true, force: true });
    // Whatever a test did, nothing it started may outlive it.
    expect(await ourContainers()).toEqual([]);
  });

  function sandbox(options: ConstructorParameters<typeof DockerSandbox>[0] = {}): DockerSandbox {
    const s = new DockerSandbox({ image: IMAGE, ...options });
    sandboxes.push(s);
    return s;
  }

  async function open(
    limits: Partial<SandboxLimits> = {},
    options: { env?: Record<string, string>; sandbox?: DockerSandbox } = {},
  ): Promise<SandboxSessionControl> {
    const owner = options.sandbox ?? sandbox();
    const session = await owner.open({
      workspaceDir,
      readonlyDirs: { problem: evaluatorDir, fixtures: FIXTURES },
      limits: { ...LIMITS, ...limits },
      ...(options.env ? { env: options.env } : {}),
    });
    sessions.push(session);
    owners.set(session, owner);
    return session;
  }

  function fixture(session: SandboxSessionControl, name: string, args: string[] = [], timeoutMs?: number) {
    const script = `${session.mounts.fixtures}/${name}`;
    return session.exec(['/usr/bin/python3', script, ...args], timeoutMs ? { timeoutMs } : {});
  }

  /**
   * Closes the session: nothing of it runs once close() returns, and the container is gone once removals drain.
   * With the exec agent the container may still be up (its removal goes on in the background): then the engine's
   * own process list (`docker top`, from the host) must show nothing but Docker's init and the agent, or zombies.
   */
  async function closeAndCheck(session: SandboxSessionControl): Promise<void> {
    const running = await docker.listContainers({ filters: { label: [`${LABEL.pid}=${process.pid}`] } });
    const via = await (session as DockerSession).commandsVia();
    // Held, so the check below sees what close() left, not what the removal killed after it.
    const release = holdRemoval((session as DockerSession).container);
    await session.close();
    try {
      for (const c of running) {
        const container = docker.getContainer(c.Id);
        if (via === 'engine') {
          const state = await container.inspect().then(
            (i) => i.State.Running,
            () => false,
          );
          expect(state).toBe(false);
          continue;
        }
        const top = await container.top({ ps_args: '-o pid,stat,user,args' }).catch(() => undefined);
        const alive = (top?.Processes ?? []).filter(
          ([, stat, user, args]: string[]) =>
            !stat?.startsWith('Z') &&
            !(
              user === 'root' &&
              /^\/sbin\/docker-init|^\/usr\/bin\/python3 -I -S -c import os; exec/.test(args ?? '')
            ),
        );
        expect(alive).toEqual([]);
      }
    } finally {
      release();
    }
    await owners.get(session)!.drain();
    expect(await ourContainers()).toEqual([]);
  }

  describe('the basic surface', () => {
    it('a session is a container: the workspace at /work, read-only folders under /problem, removed on close', async () => {
      const session = await open();
      expect(session.kind).toBe('docker');
      expect(session.workspace).toBe('/work');
      expect(session.mounts).toEqual({ problem: '/problem/problem', fixtures: '/problem/fixtures' });
      const pwd = await session.exec(['pwd']);
      expect(pwd.stdoutTail.trim()).toBe('/work');
      await closeAndCheck(session);
    });

    it('describes the engine and image for fingerprints', async () => {
      const description = await sandbox().describe();
      expect(description).toMatchObject({ kind: 'docker', image: { name: IMAGE } });
      expect((description.image as { id: string }).id).toMatch(/^sha256:/);
      expect((description.docker as { version: string }).version).toBeTruthy();
    });

    it('names the build command when the image is missing', async () => {
      const s = sandbox({ image: `adrs-missing-${randomBytes(3).toString('hex')}:latest` });
      await expect(s.open({ workspaceDir, readonlyDirs: {}, limits: LIMITS })).rejects.toThrow(
        /adrs images build adrs-missing-/,
      );
    });
  });

  describe('after a timeout', () => {
    it('the container is gone: later execs of the session end as timeouts, and close removes it', async () => {
      const session = await open();
      const result = await fixture(session, 'hang.py', [], 1500);
      expect(result).toMatchObject({ timedOut: true, killedBy: 'timeout' });
      const after = await session.exec(['true']);
      expect(after).toMatchObject({ exitCode: null, killedBy: 'timeout' });
      await closeAndCheck(session);
    });
  });

  describe('the candidate cannot leave its workspace', () => {
    it("cannot turn the platform's file transfers against the read-only folders with symlinks", async () => {
      const session = await open();
      const plant = await session.exec([
        'sh',
        '-c',
        'ln -s /problem/problem /work/into-problem && ln -s /problem/problem/score.txt /work/score-link && ln -s /etc/shadow /work/shadow && ln -s /problem/problem/score.txt /work/answers',
      ]);
      expect(plant.exitCode).toBe(0);
      // tar (as the sandbox user) either refuses or replaces the link inside /work; it never writes through it.
      await session.writeFile('into-problem/planted.txt', 'x').catch(() => undefined);
      await session.writeFile('score-link', '999').catch(() => undefined);
      const check = await session.exec(['sh', '-c', 'cat /problem/problem/score.txt; ls /problem/problem']);
      expect(check.stdoutTail).toBe('42score.txt\n');
      // readFile never follows a symlink the candidate planted.
      expect(await session.readFile('shadow')).toBeUndefined();
      expect(await session.readFile('answers')).toBeUndefined();
      expect((await session.readFile('score-link'))?.toString()).toBe('999'); // a plain file in /work now
    });

    it('results read on the host side follow no link and never block on a FIFO', async () => {
      const session = (await open()) as DockerSession;
      // This machine's engine is local and the tests run as root: files move through the volumes' host folders.
      expect(session.filesVia).toBe(process.getuid?.() === 0 ? 'host' : 'api');
      const plant = await session.exec([
        'sh',
        '-c',
        'ln -s /etc/hostname /work/host-file && ln -s . /work/loop && mkfifo /work/fifo && mkdir /work/dir && echo ok >/work/plain',
      ]);
      expect(plant.exitCode, plant.stderrTail).toBe(0);
      // /etc/hostname exists on the host too: a followed link would read the host's file.
      expect(await session.readFile('host-file')).toBeUndefined();
      expect(await session.readFile('loop')).toBeUndefined();
      expect(await session.readFile('fifo')).toBeUndefined();
      expect(await session.readFile('dir')).toBeUndefined();
      expect((await session.readFile('plain'))?.toString()).toBe('ok\n');
      expect((await session.readFile('plain', 1))?.toString()).toBe('o');
    });

    it('cannot write outside the workspace (read-only root file system)', async () => {
      const session = await open();
      const script =
        'for f in /etc/passwd /usr/bin/x /x /var/tmp/x /problem/x; do (echo x >> $f) 2>/dev/null && echo "WROTE $f"; done; echo done';
      const result = await session.exec(['sh', '-c', script]);
      expect(result.stdoutTail).toBe('done\n');
    });

    it('cannot gain privileges: no capabilities, no-new-privileges, setuid and su do not help', async () => {
      const session = await open();
      const status = await session.exec([
        'sh',
        '-c',
        'grep -E "^(CapEff|CapPrm|NoNewPrivs)" /proc/self/status',
      ]);
      expect(status.stdoutTail).toMatch(/CapPrm:\s+0+\n/);
      expect(status.stdoutTail).toMatch(/CapEff:\s+0+\n/);
      expect(status.stdoutTail).toMatch(/NoNewPrivs:\s+1/);
      const setuid = await session.exec([
        'python3',
        '-c',
        'import os\ntry:\n os.setuid(0)\nexcept OSError as e: print("denied", e.errno)',
      ]);
      expect(setuid.stdoutTail).toContain('denied');
      const su = await session.exec(
        ['sh', '-c', 'echo root | su -c "id -u" root 2>&1; sudo id -u 2>&1; id -u'],
        {
          timeoutMs: 10_000,
        },
      );
      expect(su.stdoutTail.trim().split('\n').pop()).toBe('1000');
      expect(su.stdoutTail).not.toMatch(/^0$/m);
    });

    it('cannot see the host: no Docker socket, no host files, its own PID namespace', async () => {
      const session = await open();
      const script = [
        'for p in /var/run/docker.sock /run/docker.sock /var/lib/docker /root/.docker ' +
          JSON.stringify(FIXTURES) +
          '; do [ -e "$p" ] && echo "SEES $p"; done',
        'cat /proc/1/cmdline | tr "\\0" " "; echo',
        'mount | grep -c docker.sock || true',
      ].join('\n');
      const result = await session.exec(['sh', '-c', script]);
      expect(result.stdoutTail).not.toContain('SEES');
      expect(result.stdoutTail).toMatch(/docker-init|tini/);
    });
  });

  describe('pool and bookkeeping', () => {
    it('hands each session a fresh warm container and removes the pool on dispose', async () => {
      const s = sandbox({ warmPool: 2 });
      await s.prewarm({ limits: LIMITS, readonlyDirs: { problem: evaluatorDir, fixtures: FIXTURES } });
      const first = await open({}, { sandbox: s });
      await first.writeFile('left-by-first.txt', 'x');
      const host1 = (await first.exec(['hostname'])).stdoutTail;
      await first.close();
      const second = await open({}, { sandbox: s });
      const host2 = (await second.exec(['hostname'])).stdoutTail;
      expect(host2).not.toBe(host1);
      expect(await second.readFile('left-by-first.txt')).toBeUndefined();
      // Preloaded read-only folders are there, root-owned.
      const ls = await second.exec(['stat', '-c', '%U %n', `${second.mounts.problem}/score.txt`]);
      expect(ls.stdoutTail).toBe('root /problem/problem/score.txt\n');
      const pooled = await docker.listContainers({
        all: true,
        filters: { label: [`${LABEL.pid}=${process.pid}`, `${LABEL.pool}=true`] },
      });
      expect(pooled.length).toBeGreaterThanOrEqual(1);
      await second.close();
      // A changed evaluator folder is never served from a container preloaded with the old one.
      await writeFile(path.join(evaluatorDir, 'score.txt'), '43');
      const third = await open({}, { sandbox: s });
      expect((await third.exec(['cat', `${third.mounts.problem}/score.txt`])).stdoutTail).toBe('43');
      await third.close();
      await s.dispose();
      expect(await ourContainers()).toEqual([]);
    });

    it('adrs images list shows the recipes and which images are built', async () => {
      const { code, out } = await cli(['images', 'list', '--json']);
      expect(code).toBe(0);
      const rows = JSON.parse(out) as { name: string; built: boolean; kind: string }[];
      expect(rows.find((r) => r.name === 'adrs-base')).toMatchObject({ built: true, kind: 'debootstrap' });
      expect(rows.find((r) => r.name === 'adrs-cuda')).toMatchObject({ kind: 'dockerfile' });
    });

    it('adrs gc removes containers whose orchestrator is gone and keeps live ones', async () => {
      const dead = spawnSync('true').pid;
      const make = (pid: number) =>
        docker.createContainer({
          Image: IMAGE,
          Cmd: ['true'],
          Labels: { [LABEL.session]: `gc-${pid}`, [LABEL.pid]: String(pid), [LABEL.host]: os.hostname() },
          HostConfig: { NetworkMode: 'none' },
        });
      const orphan = await make(dead);
      const live = await make(process.pid);
      try {
        const { code, out } = await cli(['gc', '--json']);
        expect(code).toBe(0);
        const removed = (JSON.parse(out) as { docker: { id: string }[] }).docker.map((c) => c.id);
        expect(removed).toContain(orphan.id);
        expect(removed).not.toContain(live.id);
        await expect(orphan.inspect()).rejects.toThrow();
        expect((await live.inspect()).Id).toBe(live.id);
      } finally {
        await live.remove({ force: true }).catch(() => undefined);
        await orphan.remove({ force: true }).catch(() => undefined);
      }
      // A dry run lists an orphan without removing it.
      const another = await make(dead);
      try {
        const listed = await collectGarbage(docker, { dryRun: true });
        expect(listed.find((c) => c.id === another.id)).toMatchObject({ orphan: true, removed: false });
        expect((await another.inspect()).Id).toBe(another.id);
      } finally {
        await another.remove({ force: true });
      }
    });
  });
});
