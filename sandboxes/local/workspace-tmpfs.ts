// Gives a local session's workspace a tmpfs of its own, capped at resources.disk_mb, and takes it away again.
import { execa } from 'execa';
import { findTool } from './host-tools.js';

/** Size when the problem sets no disk_mb. */
export const DEFAULT_WORKSPACE_MB = 1024;

/** Mounts a size-capped tmpfs on `dir` (which must exist); false when mounting is not permitted here. */
export async function mountWorkspaceTmpfs(dir: string, diskMb = DEFAULT_WORKSPACE_MB): Promise<boolean> {
  const mount = findTool('mount');
  if (!mount) return false;
  const result = await execa(
    mount,
    [
      '-t',
      'tmpfs',
      '-o',
      `size=${Math.max(1, Math.floor(diskMb))}m,mode=0755,nosuid,nodev`,
      'adrs-workspace',
      dir,
    ],
    { reject: false, timeout: 10_000, stdin: 'ignore' },
  );
  return result.exitCode === 0;
}

/** Lazily unmounts whatever is mounted on `dir` (no-op when nothing is); safe to call twice. */
export async function unmountWorkspace(dir: string): Promise<void> {
  const umount = findTool('umount');
  if (!umount) return;
  // Unmount every layer (a crashed run may have left one under another); stops when nothing is mounted.
  for (let i = 0; i < 4; i++) {
    const result = await execa(umount, ['-l', dir], { reject: false, timeout: 10_000, stdin: 'ignore' });
    if (result.exitCode !== 0) return;
  }
}
