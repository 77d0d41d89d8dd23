// A local engine's session volumes seen from the host: files go in and come out there, not as archives over the API.
import { constants } from 'node:fs';
import {
  chmod,
  lchown,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  statfs,
  symlink,
} from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { AdrsError } from '../../core/errors.js';
import type { EntryOwner } from './tar-pack.js';

/** statfs(2) magic of tmpfs: what the session volumes are (container-shape.ts). */
const TMPFS_MAGIC = 0x01021994;

/**
 * Host folders of a container's capped tmpfs volumes (the local driver mounts each on the host at its
 * `Source`, the same file system the container sees, so the size cap holds for writes from either side).
 */
export interface HostVolumes {
  /** The workspace volume (WORKSPACE in the container). */
  work: string;
  /** The read-only inputs' volume (MOUNT_ROOT in the container). */
  problem: string;
  /** The exec agent's volume (AGENT_DIR), when the container has one. */
  agent?: string;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The host folders of the volumes mounted at `workspace` and `mountRoot`, or undefined when this process
 * cannot use them: a remote or rootless engine (the path is not a tmpfs here), or no permission to enter
 * the engine's folders. Then files go through the API as before.
 */
export async function hostVolumes(
  container: Docker.Container,
  workspace: string,
  mountRoot: string,
  agentDir?: string,
): Promise<HostVolumes | undefined> {
  const info = await container.inspect().catch(() => undefined);
  const source = (target: string): string | undefined =>
    info?.Mounts.find((m) => m.Destination === target && m.Type === 'volume')?.Source;
  const work = source(workspace);
  const problem = source(mountRoot);
  const agent = agentDir ? source(agentDir) : undefined;
  if (!work || !problem) return undefined;
  for (const dir of [work, problem]) {
    const fs = await statfs(dir).catch(() => undefined);
    if (fs?.type !== TMPFS_MAGIC) return undefined;
  }
  const agentFs = agent ? await statfs(agent).catch(() => undefined) : undefined;
  return { work, problem, ...(agent && agentFs?.type === TMPFS_MAGIC ? { agent } : {}) };
}

/**
 * Reads up to `maxBytes` of the regular file `name` directly in `dir`, never following a link: undefined
 * when it does not exist or is a link, FIFO, socket or folder (as getArchive's copy of it would say).
 * Only a single name: a path through folders the candidate owns could be switched to a link on the way.
 */
export async function readHostFile(dir: string, name: string, maxBytes: number): Promise<Buffer | undefined> {
  if (name.includes('/') || name === '..' || name === '.' || name === '')
    throw new AdrsError('sandbox-io', `sandbox read ${name}: not a single file name`);
  let handle;
  try {
    handle = await open(
      path.join(dir, name),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
    );
  } catch (error) {
    // ELOOP: a link (O_NOFOLLOW); ENXIO: a socket.
    if (['ENOENT', 'ENOTDIR', 'ELOOP', 'ENXIO'].includes(errno(error) ?? '')) return undefined;
    throw new AdrsError('sandbox-io', `sandbox read ${name}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    const buffer = Buffer.alloc(Math.max(0, Math.min(info.size, maxBytes)));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * Copies the host folder `src` into `dest` (a volume folder no process of the container can write to yet:
 * a fresh container, or one whose reset verified every candidate process gone), with `owner` on every entry
 * and the same modes a tar copy gets. Nothing is written through an existing entry (O_EXCL, mkdir fails).
 */
export async function copyTreeInto(src: string, dest: string, owner: EntryOwner): Promise<void> {
  const strip = owner.stripMode ?? 0;
  for (const entry of await readdir(src)) {
    const from = path.join(src, entry);
    const to = path.join(dest, entry);
    const info = await lstat(from);
    const mode = info.mode & 0o777 & ~strip;
    if (info.isDirectory()) {
      await mkdir(to);
      await copyTreeInto(from, to, owner);
      await lchown(to, owner.uid, owner.gid);
      await chmod(to, mode);
    } else if (info.isFile()) {
      const handle = await open(
        to,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        await handle.writeFile(await readFile(from));
        await handle.chown(owner.uid, owner.gid);
        await handle.chmod(mode);
      } finally {
        await handle.close();
      }
    } else if (info.isSymbolicLink()) {
      // Kept as a link: the container sees the link text, never the host file it may point to.
      await symlink(await readlink(from), to);
      await lchown(to, owner.uid, owner.gid);
    }
    // Sockets, FIFOs and devices are not copied (as in tar-pack.ts).
  }
}

/** Makes `dest/name` a folder of `owner` with `mode` (the read-only folders' roots, the trusted folder). */
export async function makeHostDir(
  dest: string,
  name: string,
  owner: EntryOwner,
  mode: number,
): Promise<string> {
  const dir = path.join(dest, name);
  await mkdir(dir);
  await lchown(dir, owner.uid, owner.gid);
  await chmod(dir, mode);
  return dir;
}
