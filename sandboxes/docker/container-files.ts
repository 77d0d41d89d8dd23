// Files in and out of a session container as tar archives through the engine (putArchive/getArchive on tmpfs volumes).
import type Docker from 'dockerode';
import { AdrsError } from '../../core/errors.js';
import type { Readable } from 'node:stream';
import { readFirstFile } from './tar-read.js';

/** uid/gid of the sandbox user: what the workspace's files belong to. */
export const SANDBOX_OWNER = { uid: 1000, gid: 1000 } as const;
/** Read-only inputs: root's, with group/other write bits dropped. */
export const READONLY_OWNER = { uid: 0, gid: 0, stripMode: 0o022 } as const;

function ioError(what: string, error: unknown): AdrsError {
  const e = error as { statusCode?: number; message?: string };
  return new AdrsError('sandbox-io', `sandbox ${what}: ${String(e.message ?? error).split('\n')[0]}`, {
    cause: error,
  });
}

/** Unpacks `archive` into `dir` (a folder on one of the container's volumes), keeping the owners in its headers. */
export async function putTar(
  container: Docker.Container,
  archive: Readable,
  dir: string,
  what: string,
): Promise<void> {
  try {
    await container.putArchive(archive, { path: dir });
  } catch (error) {
    throw ioError(`${what}: copying into ${dir} failed`, error);
  }
}

/**
 * The first `maxBytes` of a regular file, or undefined when it does not exist or is not a regular
 * file (a symlink is not followed). The engine resolves paths inside the container's root, never the host's.
 */
export async function getFile(
  container: Docker.Container,
  absPath: string,
  maxBytes: number,
): Promise<Buffer | undefined> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: absPath });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw ioError(`readFile ${absPath}`, error);
  }
  return readFirstFile(archive, maxBytes);
}
