// What a session container looks like (image, limits, GPUs) and the hardened create options that follow from it.
import type Docker from 'dockerode';
import type { SandboxLimits } from '../types.js';
import { AGENT_DIR, agentCommand, agentEnv } from './agent-socket.js';
import { gpuDeviceRequests } from './gpu-request.js';

/** Everything fixed at container creation; sessions with equal shapes can share a warm pool. */
export interface ContainerShape {
  image: string;
  memoryMb: number;
  pids: number;
  cpus?: number;
  cpuset?: string;
  gpus?: string;
  /** Size of the writable /work tmpfs. */
  diskMb: number;
  /** Size of /tmp. */
  tmpMb: number;
  /** Size of /dev/shm. */
  shmMb: number;
  /** Whether the main process is the exec agent (agent-socket.ts) rather than `sleep infinity`. */
  agent: boolean;
}

export const WORKSPACE = '/work';
export const MOUNT_ROOT = '/problem';
/** uid:gid every candidate command runs as (user `sandbox` in the adrs images). */
export const SANDBOX_USER = '1000:1000';
const DEFAULT_DISK_MB = 1024;
/** Read-only inputs live in a root-owned tmpfs; it only costs what is put there. */
const PROBLEM_TMPFS_MB = 2048;

export function shapeFor(
  image: string,
  limits: SandboxLimits,
  extra: { gpus?: string; cpuset?: string; shmMb?: number; agent?: boolean },
): ContainerShape {
  const diskMb = limits.diskMb ?? DEFAULT_DISK_MB;
  const gpus = extra.gpus ?? limits.gpus;
  const wantsGpu = gpuDeviceRequests(gpus) !== undefined;
  return {
    image,
    memoryMb: limits.memoryMb,
    pids: limits.pids,
    cpus: limits.cpus,
    cpuset: extra.cpuset,
    gpus: wantsGpu ? gpus : undefined,
    diskMb,
    tmpMb: Math.min(diskMb, 512),
    // PyTorch data loaders and NCCL need more than Docker's 64 MB default.
    shmMb: extra.shmMb ?? (wantsGpu ? Math.min(Math.max(64, Math.floor(limits.memoryMb / 2)), 16384) : 64),
    agent: extra.agent ?? true,
  };
}

/** A stable key for pooling: equal keys mean interchangeable containers. */
export function shapeKey(shape: ContainerShape): string {
  return JSON.stringify([
    shape.image,
    shape.memoryMb,
    shape.pids,
    shape.cpus ?? null,
    shape.cpuset ?? null,
    shape.gpus ?? null,
    shape.diskMb,
    shape.tmpMb,
    shape.shmMb,
    shape.agent,
  ]);
}

/**
 * A tmpfs the daemon mounts as an anonymous volume: size-capped like `Tmpfs`, but visible to
 * putArchive/getArchive (plain `Tmpfs` mounts live only in the container's namespace, and the root
 * file system is read-only). Removed with the container (`remove({ v: true })`).
 */
function tmpfsVolume(target: string, options: string, labels: Record<string, string>): Docker.MountSettings {
  return {
    Type: 'volume',
    Source: '',
    Target: target,
    VolumeOptions: {
      NoCopy: true,
      Labels: labels,
      DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: options } },
    },
  };
}

/** Create options: no network, no capabilities, no new privileges, read-only root, capped tmpfs, cgroup limits. */
export function createOptions(
  shape: ContainerShape,
  name: string,
  labels: Record<string, string>,
): Docker.ContainerCreateOptions {
  const mb = 1024 * 1024;
  const env = ['HOME=/work', 'TMPDIR=/tmp'];
  const deviceRequests = gpuDeviceRequests(shape.gpus);
  if (deviceRequests) env.push('NVIDIA_DRIVER_CAPABILITIES=compute,utility');
  // Only a `docker exec` (the fallback) would see it too; the agent's commands get the environment without it.
  if (shape.agent) env.push(agentEnv());
  return {
    name,
    Image: shape.image,
    // The main process is the exec agent (root, SETUID/SETGID only), which runs each command as its user; or it
    // only waits, and every command is an exec with an explicit user. The container's user is root so that a
    // root exec (the trust-domain warden) gets SETUID/SETGID: Docker gives execs of a container whose user is
    // not root no capability at all. Commands as SANDBOX_USER get none either way.
    Cmd: shape.agent ? agentCommand() : ['sleep', 'infinity'],
    User: '0:0',
    WorkingDir: WORKSPACE,
    Env: env,
    Labels: labels,
    NetworkDisabled: true,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      // Only for the trust-domain warden (a root exec) to switch uids; execs as the sandbox user get no capability.
      CapAdd: ['SETUID', 'SETGID'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      ReadonlyRootfs: true,
      Init: true,
      AutoRemove: false,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      Mounts: [
        tmpfsVolume(WORKSPACE, `size=${shape.diskMb}m,uid=1000,gid=1000,mode=0755,nosuid,nodev`, labels),
        tmpfsVolume(MOUNT_ROOT, `size=${PROBLEM_TMPFS_MB}m,uid=0,gid=0,mode=0755,nosuid,nodev`, labels),
        // Root's alone: the candidate's and the trusted uid can neither enter it nor reach the agent's socket.
        ...(shape.agent
          ? [tmpfsVolume(AGENT_DIR, 'size=1m,uid=0,gid=0,mode=0700,nosuid,nodev,noexec', labels)]
          : []),
      ],
      // exec: the trusted evaluator hands programs to the candidate's uid here (it cannot write /work).
      Tmpfs: { '/tmp': `rw,exec,nosuid,nodev,size=${shape.tmpMb}m,mode=1777` },
      ShmSize: shape.shmMb * mb,
      Memory: shape.memoryMb * mb,
      MemorySwap: shape.memoryMb * mb,
      PidsLimit: shape.pids,
      ...(shape.cpus ? { NanoCpus: Math.round(shape.cpus * 1e9) } : {}),
      ...(shape.cpuset ? { CpusetCpus: shape.cpuset } : {}),
      ...(deviceRequests ? { DeviceRequests: deviceRequests } : {}),
      Ulimits: [{ Name: 'core', Soft: 0, Hard: 0 }],
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}
