// Reads and writes files relative to a workspace without following a candidate's symlinks out of it.
import { constants } from 'node:fs';
import { lchown, lstat, mkdir, open, realpath, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AdrsError, InputError } from '../../core/errors.js';
import type { Owner } from './session-files.js';

/** Thrown when a path would leave the workspace through a symlink the candidate planted. */
export class SandboxEscapeError extends AdrsError {
  constructor(relPath: string, why: string) {
    super('sandbox-escape', `sandbox file ${relPath}: ${why}; refused`);
    this.name = 'SandboxEscapeError';
  }
}

/** Splits a workspace-relative path into its parts; absolute paths and `..` are the caller's mistake. */
export function relativeParts(relPath: string): string[] {
  if (relPath.includes('\0')) throw new InputError(`sandbox path ${JSON.stringify(relPath)}: contains NUL`);
  if (path.isAbsolute(relPath))
    throw new InputError(`sandbox path ${relPath}: absolute; pass a path relative to the workspace`);
  const parts = relPath.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new InputError(`sandbox path ${relPath}: contains '..'; pass a path inside the workspace`);
  if (parts.length === 0) throw new InputError(`sandbox path "${relPath}": names no file`);
  return parts;
}

function isInside(dir: string, file: string): boolean {
  return file.startsWith(dir + path.sep);
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Reads up to `maxBytes` of a workspace file (the rest is cut off); undefined when it does not exist.
 * Symlinks may point within the workspace; one that leads out, a FIFO or a device is refused.
 */
export async function readInside(
  workspace: string,
  relPath: string,
  maxBytes: number,
): Promise<Buffer | undefined> {
  const parts = relativeParts(relPath);
  const realWorkspace = await realpath(workspace);
  let real: string;
  try {
    real = await realpath(path.join(workspace, ...parts));
  } catch (error) {
    if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
    if (code(error) === 'ELOOP') throw new SandboxEscapeError(relPath, 'symlink loop');
    throw error;
  }
  if (!isInside(realWorkspace, real)) throw new SandboxEscapeError(relPath, 'leads outside the workspace');
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new SandboxEscapeError(relPath, 'not a regular file');
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
 * Writes a workspace file, creating folders as needed. Any symlink on the way is refused, and an
 * existing file is replaced (never written through, so a hard link cannot carry the write elsewhere).
 */
export async function writeInside(
  workspace: string,
  relPath: string,
  content: string | Buffer,
  owner: Owner | undefined,
): Promise<void> {
  const parts = relativeParts(relPath);
  let dir = workspace;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    const info = await lstat(dir).catch((error: unknown) => {
      if (code(error) === 'ENOENT') return undefined;
      throw error;
    });
    if (!info) {
      await mkdir(dir, { mode: 0o755 });
      if (owner) await lchown(dir, owner.uid, owner.gid);
    } else if (info.isSymbolicLink()) {
      throw new SandboxEscapeError(relPath, `folder ${path.relative(workspace, dir)} is a symlink`);
    } else if (!info.isDirectory()) {
      throw new InputError(`sandbox path ${relPath}: ${path.relative(workspace, dir)} is not a folder`);
    }
  }
  const file = path.join(dir, parts[parts.length - 1] as string);
  const existing = await lstat(file).catch(() => undefined);
  if (existing?.isSymbolicLink()) throw new SandboxEscapeError(relPath, 'is a symlink');
  if (existing?.isDirectory()) throw new InputError(`sandbox path ${relPath}: is a folder`);
  if (existing) await unlink(file);
  const handle = await open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await handle.writeFile(content);
    if (owner) await handle.chown(owner.uid, owner.gid);
  } finally {
    await handle.close();
  }
}
