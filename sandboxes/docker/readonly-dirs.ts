// The read-only folders of a session: a fingerprint of their contents (so warm containers can hold them ahead of need) and their copy into /problem.
import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MOUNT_ROOT } from './container-shape.js';
import { putTar, READONLY_OWNER } from './container-files.js';
import { packTrees } from './tar-pack.js';
import { pack as tarPack } from 'tar-stream';
import type { Readable } from 'node:stream';
import { TRUSTED_ID } from '../warden/warden.js';
import { copyTreeInto, makeHostDir } from './host-volumes.js';
import type { StartedContainer } from './start-container.js';

/** Folder only the trusted evaluator's uid can open: its result and scratch (on the /problem volume, so the host reads it). */
export const TRUSTED_DIR = `${MOUNT_ROOT}/.trusted`;

/** Above this many entries a folder is not fingerprinted, and containers get it at open time instead. */
const MAX_ENTRIES = 5_000;

/**
 * A hash of names, paths, sizes, modes and mtimes of every entry, or undefined when the folders are
 * too large to walk cheaply. Equal fingerprints mean a container preloaded earlier still matches.
 */
export async function fingerprintDirs(dirs: Record<string, string>): Promise<string | undefined> {
  const hash = createHash('sha256');
  let entries = 0;
  async function walk(dir: string, rel: string): Promise<boolean> {
    for (const name of (await readdir(dir)).sort()) {
      if (++entries > MAX_ENTRIES) return false;
      const info = await lstat(path.join(dir, name));
      hash.update(`${rel}/${name}\0${info.mode}\0${info.size}\0${info.mtimeMs}\n`);
      if (info.isDirectory() && !(await walk(path.join(dir, name), `${rel}/${name}`))) return false;
    }
    return true;
  }
  for (const name of Object.keys(dirs).sort()) {
    hash.update(`mount ${name} ${dirs[name]}\n`);
    if (!(await walk(dirs[name]!, name))) return undefined;
  }
  return hash.digest('hex').slice(0, 16);
}

/** Copies the folders into /problem/<name>, root-owned and not group/other-writable: the sandbox user can only read them. */
export async function putReadonlyDirs(
  started: StartedContainer,
  dirs: Record<string, string>,
): Promise<void> {
  const names = Object.keys(dirs);
  if (names.length === 0) return;
  if (started.host) {
    // A fresh container: nothing but root can write /problem, so the copy lands where it should.
    for (const name of names)
      await copyTreeInto(
        dirs[name]!,
        await makeHostDir(started.host.problem, name, READONLY_OWNER, 0o755),
        READONLY_OWNER,
      );
    return;
  }
  const archive = packTrees(
    names.map((name) => ({ dir: dirs[name]!, prefix: name })),
    READONLY_OWNER,
  );
  await putTar(started.container, archive, MOUNT_ROOT, 'read-only folders');
}

/** Creates TRUSTED_DIR owned by the trusted uid, mode 0700: candidate code (another uid, no capabilities) cannot open it. */
export async function putTrustedDir(started: StartedContainer): Promise<void> {
  if (started.host) {
    await makeHostDir(started.host.problem, '.trusted', { ...TRUSTED_ID }, 0o700);
    return;
  }
  const pack = tarPack();
  pack.entry({ name: '.trusted', type: 'directory', mode: 0o700, uid: TRUSTED_ID.uid, gid: TRUSTED_ID.gid });
  pack.finalize();
  await putTar(started.container, pack as unknown as Readable, MOUNT_ROOT, 'trusted folder');
}
