// GPU smoke test for the Docker sandbox: where nvidia-smi and the NVIDIA runtime exist, a session with --gpus sees the GPU.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../sandboxes/docker/docker-sandbox.js';
import { engineReachable } from '../sandboxes/docker/engine.js';
import { hostGpus } from '../sandboxes/docker/host-gpu.js';
import { LABEL } from '../sandboxes/docker/labels.js';

const IMAGE = process.env.ADRS_GPU_TEST_IMAGE ?? 'adrs-base:latest';
const docker = new Docker();
const reachable = await engineReachable(docker);
const gpus = await hostGpus();
const info = reachable ? ((await docker.info()) as { Runtimes?: Record<string, unknown> }) : undefined;
// Docker's `--gpus` driver is there when the toolkit's hook is on PATH, or a runtime named nvidia is registered.
const hookOnPath = (process.env.PATH ?? '')
  .split(':')
  .some((dir) => existsSync(path.join(dir, 'nvidia-container-runtime-hook')));
const nvidiaRuntime = hookOnPath || Object.keys(info?.Runtimes ?? {}).some((r) => r.includes('nvidia'));
const ready = reachable && gpus !== undefined && gpus.length > 0 && nvidiaRuntime;
if (!ready)
  console.warn(
    `\n*** sandbox-gpu: SKIPPED: needs a Docker engine (${reachable ? 'ok' : 'missing'}), nvidia-smi with a GPU (${gpus ? `${gpus.length} GPU(s)` : 'missing'}) and the NVIDIA runtime (${nvidiaRuntime ? 'ok' : 'missing'}) ***\n`,
  );

describe.skipIf(!ready)('Docker sandbox with GPUs', () => {
  const sandbox = new DockerSandbox({ image: IMAGE, gpus: 'all' });
  afterAll(() => sandbox.dispose());

  it('describes the host GPUs and driver', async () => {
    const description = (await sandbox.describe()) as { gpus: { models: string[]; driver: string } };
    expect(description.gpus.models).toContain(gpus![0]!.name);
    expect(description.gpus.driver).toBe(gpus![0]!.driver);
  });

  it('exposes the GPUs inside the session (nvidia-smi -L) and removes the container', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'adrs-gpu-'));
    try {
      const session = await sandbox.open({
        workspaceDir: dir,
        readonlyDirs: {},
        limits: { wallTimeMs: 60_000, memoryMb: 2048, pids: 256, outputBytes: 65536, gpus: 'all' },
      });
      try {
        const result = await session.exec(['nvidia-smi', '-L']);
        expect(result.exitCode).toBe(0);
        expect(result.stdoutTail).toContain(gpus![0]!.uuid);
        const shm = await session.exec(['df', '-m', '/dev/shm']);
        expect(shm.stdoutTail).not.toMatch(/\s64\s/);
      } finally {
        await session.close();
      }
      const left = await docker.listContainers({
        all: true,
        filters: { label: [`${LABEL.pid}=${process.pid}`] },
      });
      expect(left).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
