// The Docker sandbox against real misbehaving programs: each ends as a result, contained, and no container survives.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { runCli } from '../orchestrator/cli/main.js';
import { createOptions, shapeFor } from '../sandboxes/docker/container-shape.js';
import { DockerSandbox } from '../sandboxes/docker/docker-sandbox.js';
import { engineReachable } from '../sandboxes/docker/engine.js';
import { collectGarbage } from '../sandboxes/docker/gc.js';
import { gpuDeviceRequests } from '../sandboxes/docker/gpu-request.js';
import { LABEL } from '../sandboxes/docker/labels.js';
import type { SandboxLimits, SandboxSessionControl } from '../sandboxes/types.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'misbehaving');
const IMAGE = 'adrs-base:latest';
const LIMITS: SandboxLimits = { wallTimeMs: 20_000, memoryMb: 512, pids: 64, outputBytes: 8192, diskMb: 64 };
const ci = process.env.CI === 'true';

const docker = new Docker();
const reachable = await engineReachable(docker);
const hasImage =
  reachable &&
  (await docker
    .getImage(IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    ));
const ready = reachable && hasImage;
const why = !reachable
  ? 'no Docker engine answers at ' +
    (process.env.DOCKER_HOST ?? '/var/run/docker.sock') +
    ' (start it: bash .ci/docker.sh)'
  : `image ${IMAGE} is missing (build it: node bin/adrs.js images build adrs-base)`;
if (!ready && !ci) console.warn(`\n*** sandbox-docker: SKIPPED: ${why} ***\n`);

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

  /** Closes the session: nothing runs once close() returns, and the container is gone once removals drain. */
  async function closeAndCheck(session: SandboxSessionControl): Promise<void> {
    const running = await docker.listContainers({ filters: { label: [`${LABEL.pid}=${process.pid}`] } });
    await session.close();
    for (const c of running) {
      const state = await docker
        .getContainer(c.Id)
        .inspect()
        .then(
          (i) => i.State.Running,
          () => false,
        );
      expect(state).toBe(false);
    }
    await owners.get(session)!.drain();
    expect(await ourContainers()).toEqual([]);
  }

  describe('the basic surface', () => {
    it('copies the workspace in, runs as uid 1000 in /work, and moves files in and out', async () => {
      const session = await open();
      expect(session.kind).toBe('docker');
      expect(session.workspace).toBe('/work');
      expect(session.mounts).toEqual({ problem: '/problem/problem', fixtures: '/problem/fixtures' });
      const run = await session.exec(['python3', 'candidate.py']);
      expect(run).toMatchObject({ exitCode: 0, signal: null, timedOut: false, stdoutTail: 'seed 1000\n' });
      expect((await session.readFile('pkg/data.txt'))?.toString()).toBe('nested');
      await session.writeFile('out/deep/result.json', '{"ok":true}');
      expect((await session.readFile('out/deep/result.json'))?.toString()).toBe('{"ok":true}');
      expect(await session.readFile('missing.json')).toBeUndefined();
      expect((await session.readFile('candidate.py', 6))?.toString()).toBe('import');
      await expect(session.readFile('../etc/passwd')).rejects.toThrow(InputError);
      await expect(session.writeFile('/etc/x', 'x')).rejects.toThrow(InputError);
      const cat = await session.exec(['cat'], { stdin: 'through stdin' });
      expect(cat.stdoutTail).toBe('through stdin');
      const pwd = await session.exec(['pwd'], { cwd: '/problem/problem' });
      expect(pwd.stdoutTail.trim()).toBe('/problem/problem');
      await closeAndCheck(session);
      await session.close(); // idempotent
      await expect(session.exec(['true'])).rejects.toThrow(/closed/);
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

  describe('misbehaving programs end as results, contained', () => {
    it('kills a hanging program at the wall-clock limit and removes its container on close', async () => {
      const session = await open();
      const result = await fixture(session, 'hang.py', [], 1500);
      expect(result).toMatchObject({
        timedOut: true,
        killedBy: 'timeout',
        exitCode: null,
        signal: 'SIGKILL',
      });
      expect(result.stdoutTail).toContain('started');
      const after = await session.exec(['true']);
      expect(after).toMatchObject({ exitCode: null, killedBy: 'timeout' });
      await closeAndCheck(session);
    });

    it('kills a child that ignores SIGTERM', async () => {
      const session = await open();
      const result = await fixture(session, 'fork-ignore-term.py', [], 1500);
      expect(result.timedOut).toBe(true);
      expect(result.stdoutTail).toContain('child ignoring SIGTERM');
      await closeAndCheck(session);
    });

    it('ends a program whose setsid daemon keeps stdout open, and kills the daemon', async () => {
      const session = await open();
      const result = await fixture(session, 'daemonize.py');
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
      expect(result.stdoutTail).toContain('daemon running');
      expect(result.stdoutTail).toContain('parent exits');
      const ps = await session.exec(['ps', '-eo', 'args']);
      expect(ps.stdoutTail).not.toContain('daemonize.py');
      await closeAndCheck(session);
    });

    it('kills a program that allocates without limit at the memory cap, and says so', async () => {
      const session = await open({ memoryMb: 256 });
      const result = await fixture(session, 'memory-hog.py');
      expect(result.timedOut).toBe(false);
      expect(result).toMatchObject({ killedBy: 'memory', signal: 'SIGKILL', exitCode: null });
      // The container survives an OOM kill of one process: the session goes on.
      expect((await session.exec(['echo', 'alive'])).stdoutTail).toBe('alive\n');
    });

    it('gives no network: a host loopback server sees no connection', async () => {
      let connections = 0;
      const server = net.createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as net.AddressInfo;
        const session = await open();
        const result = await fixture(session, 'connect.py', [String(port)]);
        expect(result.stdoutTail).toContain('connection failed');
        const links = await session.exec(['cat', '/proc/net/dev']);
        expect(links.stdoutTail).not.toMatch(/eth\d|ens\d/);
        // The same program on the host does reach the server, so the test can tell the difference.
        spawnSync('/usr/bin/python3', [path.join(FIXTURES, 'connect.py'), String(port)], { timeout: 10_000 });
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(connections).toBe(1);
      } finally {
        server.close();
      }
    });

    it('passes no secret from the host or the spec into the container', async () => {
      const planted = {
        ANTHROPIC_API_KEY: 'fake-ant-planted-docker',
        MY_SECRET_TOKEN: 'planted-token-value',
      };
      const saved = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]));
      Object.assign(process.env, planted);
      try {
        const session = await open({}, { env: { GOOD_SETTING: 'kept', EVIL_API_KEY: 'spec-secret' } });
        const result = await session.exec(['/usr/bin/python3', `${session.mounts.fixtures}/print-env.py`], {
          env: { PER_EXEC: 'also-kept', ANOTHER_TOKEN: 'exec-secret' },
        });
        expect(result.exitCode).toBe(0);
        const env = JSON.parse(result.stdoutTail) as Record<string, string>;
        expect(env).toMatchObject({ GOOD_SETTING: 'kept', PER_EXEC: 'also-kept' });
        for (const leaked of ['fake-ant-planted', 'planted-token-value', 'spec-secret', 'exec-secret'])
          expect(result.stdoutTail).not.toContain(leaked);
        expect(Object.keys(env).filter((k) => /KEY|TOKEN|ANTHROPIC/.test(k))).toEqual([]);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    });

    it('keeps the tail of endless garbage output and stops it', async () => {
      const session = await open();
      const result = await fixture(session, 'endless-output.py');
      expect(result.killedBy).toBe('output');
      expect(result.timedOut).toBe(false);
      expect(Buffer.byteLength(result.stdoutTail)).toBeLessThanOrEqual(3 * 8192); // U+FFFD may widen bytes
      expect(result.stdoutBytes).toBeGreaterThan(8192);
      await closeAndCheck(session);
    });

    it('keeps the last lines of long output and counts every byte', async () => {
      const session = await open();
      const result = await fixture(session, 'many-lines.py', ['20000']);
      expect(result.exitCode).toBe(7);
      expect(result.stdoutBytes).toBe(20000 * 12);
      expect(result.stderrBytes).toBe(20000 * 11);
      expect(result.stdoutTail.endsWith('line 019999\n')).toBe(true);
      expect(result.stderrTail.endsWith('err 019999\n')).toBe(true);
      expect(result.stdoutTail.length).toBeLessThanOrEqual(8192);
    });

    it('stops a fork bomb at the pids cap; the deadline kills the rest', async () => {
      const session = await open({ pids: 48 });
      const result = await fixture(session, 'fork-bomb.py', [], 4000);
      expect(result.stdoutTail).toContain('fork refused');
      expect(result.timedOut).toBe(true);
      await closeAndCheck(session);
    });
  });

  describe('the candidate cannot leave its workspace', () => {
    it('cannot write the read-only folders or read /root', async () => {
      const session = await open();
      const result = await fixture(session, 'escape.py', [session.mounts.problem!]);
      const report = JSON.parse(result.stdoutTail) as Record<string, string>;
      for (const key of ['overwrite', 'create', 'chmod', 'unlink', 'list_root'])
        expect(report[key]).toMatch(/^denied/);
      const score = await session.exec(['cat', `${session.mounts.problem}/score.txt`]);
      expect(score.stdoutTail).toBe('42');
    });

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

    it('cannot write outside the workspace (read-only root file system)', async () => {
      const session = await open();
      const script =
        'for f in /etc/passwd /usr/bin/x /x /var/tmp/x /problem/x; do (echo x >> $f) 2>/dev/null && echo "WROTE $f"; done; echo done';
      const result = await session.exec(['sh', '-c', script]);
      expect(result.stdoutTail).toBe('done\n');
    });

    it('cannot fill the host disk: the workspace and /tmp are size-capped', async () => {
      const session = await open({ diskMb: 16 });
      const work = await session.exec([
        'sh',
        '-c',
        'dd if=/dev/zero of=/work/big bs=1M count=64 2>&1; stat -c %s /work/big',
      ]);
      expect(work.stdoutTail).toMatch(/No space left on device/);
      const size = Number(work.stdoutTail.trim().split('\n').pop());
      expect(size).toBeLessThanOrEqual(16 * 1024 * 1024);
      const tmpFill = await session.exec(['sh', '-c', 'dd if=/dev/zero of=/tmp/big bs=1M count=64 2>&1']);
      expect(tmpFill.stdoutTail).toMatch(/No space left on device/);
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
      const out: string[] = [];
      const code = await runCli(['images', 'list', '--json'], {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: () => true },
      });
      expect(code).toBe(0);
      const rows = JSON.parse(out.join('')) as { name: string; built: boolean; kind: string }[];
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
        const out: string[] = [];
        const code = await runCli(['gc', '--json'], {
          stdout: { write: (s: string) => out.push(s) },
          stderr: { write: () => true },
        });
        expect(code).toBe(0);
        const removed = (JSON.parse(out.join('')) as { docker: { id: string }[] }).docker.map((c) => c.id);
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
