// Lays out a session's temp root: a fresh writable copy of the workspace and read-only copies of the evaluator folders.
import { chmod, cp, lchown, lstat, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../core/errors.js';
import { mountWorkspaceTmpfs, unmountWorkspace } from './workspace-tmpfs.js';

export interface SessionFiles {
  root: string;
  workspace: string;
  /** Private TMPDIR for the session's processes. */
  tmp: string;
  /** Folder only the trusted uid can open (result, evaluator scratch); created when `trusted` is given. */
  trusted: string;
  /** The workspace is a size-capped tmpfs (diskMb); false: only RLIMIT_FSIZE caps single files. */
  diskCapped: boolean;
  mounts: Record<string, string>;
}

export interface Owner {
  uid: number;
  gid: number;
}

const MOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Every path below `dir` (not `dir` itself), without following symlinks. */
async function* walk(dir: string): AsyncGenerator<{ file: string; isDir: boolean; isLink: boolean }> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const isDir = entry.isDirectory();
    yield { file, isDir, isLink: entry.isSymbolicLink() };
    if (isDir) yield* walk(file);
  }
}

async function requireFolder(dir: string, what: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new InputError(`${what} ${dir}: not a folder; pass an existing folder to copy into the sandbox`);
}

/** Chowns a tree (links themselves, never their targets) so the sandbox user owns its workspace. */
export async function chownTree(dir: string, owner: Owner): Promise<void> {
  await lchown(dir, owner.uid, owner.gid);
  for await (const { file } of walk(dir)) await lchown(file, owner.uid, owner.gid);
}

/** Drops every write bit in a tree and makes it readable (and folders traversable) by everyone. */
async function makeReadonly(dir: string): Promise<void> {
  for await (const { file, isDir, isLink } of walk(dir)) {
    if (isLink) continue;
    const { mode } = await lstat(file);
    await chmod(file, isDir ? 0o555 : (mode & 0o555) | 0o444);
  }
  await chmod(dir, 0o555);
}

/** Creates the session root under `tmpBase` and copies the workspace and read-only folders in. */
export async function createSessionFiles(
  workspaceDir: string,
  readonlyDirs: Record<string, string>,
  options: { tmpBase: string; owner: Owner | undefined; trusted?: Owner; diskMb?: number },
): Promise<SessionFiles> {
  await requireFolder(workspaceDir, 'sandbox workspace');
  for (const [name, dir] of Object.entries(readonlyDirs)) {
    if (!MOUNT_NAME.test(name))
      throw new InputError(`sandbox read-only folder name "${name}": use letters, digits, '.', '_' or '-'`);
    await requireFolder(dir, `sandbox read-only folder "${name}"`);
  }
  const root = await mkdtemp(path.join(options.tmpBase, 'adrs-sandbox-'));
  try {
    await chmod(root, 0o755);
    const workspace = path.join(root, 'workspace');
    const tmp = path.join(root, 'tmp');
    const trusted = path.join(root, 'trusted');
    await mkdir(workspace, { mode: 0o755 });
    // Root can give the workspace a size-capped tmpfs of its own: a candidate filling it fills only that.
    const diskCapped = options.owner !== undefined && (await mountWorkspaceTmpfs(workspace, options.diskMb));
    await cp(workspaceDir, workspace, { recursive: true, verbatimSymlinks: true });
    await mkdir(tmp, { mode: 0o700 });
    await mkdir(trusted, { mode: 0o700 });
    if (options.trusted) await lchown(trusted, options.trusted.uid, options.trusted.gid);
    if (options.owner) {
      await chownTree(workspace, options.owner);
      await lchown(tmp, options.owner.uid, options.owner.gid);
    }
    const mounts: Record<string, string> = {};
    const ro = path.join(root, 'ro');
    await mkdir(ro);
    for (const [name, dir] of Object.entries(readonlyDirs)) {
      const target = path.join(ro, name);
      await cp(dir, target, { recursive: true, verbatimSymlinks: true });
      await makeReadonly(target);
      mounts[name] = target;
    }
    await chmod(ro, 0o555);
    return { root, workspace, tmp, trusted, mounts, diskCapped };
  } catch (error) {
    await removeSessionFiles(root, true);
    throw error;
  }
}

/**
 * Removes a session root. Root needs no permission bits; another user first makes folders writable again
 * (candidate processes are dead by then, so nothing can swap a folder for a link under us).
 */
export async function removeSessionFiles(root: string, asRoot: boolean): Promise<void> {
  if (asRoot) await unmountWorkspace(path.join(root, 'workspace'));
  if (!asRoot) await unlockTree(root);
  await rm(root, { recursive: true, force: true, maxRetries: 3 });
}

/** Makes every folder of a tree listable and writable by its owner, top-down. */
async function unlockTree(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await unlockTree(path.join(dir, entry.name));
}

/** Where session roots go: the OS temp folder when the sandbox user can traverse it, else /tmp. */
export async function defaultTmpBase(): Promise<string> {
  const base = os.tmpdir();
  let dir = base;
  for (;;) {
    const info = await stat(dir).catch(() => undefined);
    if (!info || (info.mode & 0o001) === 0) return '/tmp';
    const up = path.dirname(dir);
    if (up === dir) return base;
    dir = up;
  }
}
