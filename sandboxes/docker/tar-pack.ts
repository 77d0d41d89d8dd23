// Packs host folders and single files into tar streams (tar-stream) with the owner they must have inside the container.
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pack as tarPack, type Pack } from 'tar-stream';

type TarHeaders = Parameters<Pack['entry']>[0];
import { InputError } from '../../core/errors.js';

/** A host folder and the name its contents get inside the archive ('' = the archive root). */
export interface TreeRoot {
  dir: string;
  prefix: string;
}

/** Who owns the entries once extracted, and which permission bits are dropped (e.g. 0o022). */
export interface EntryOwner {
  uid: number;
  gid: number;
  stripMode?: number;
}

function addEntry(pack: Pack, header: TarHeaders, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null): void => (error ? reject(error) : resolve());
    if (body) pack.entry(header, body, done);
    else pack.entry(header, done);
  });
}

async function addTree(pack: Pack, hostDir: string, name: string, owner: EntryOwner): Promise<void> {
  const own = { uid: owner.uid, gid: owner.gid };
  for (const entry of await readdir(hostDir, { withFileTypes: true })) {
    const host = path.join(hostDir, entry.name);
    const inner = name ? `${name}/${entry.name}` : entry.name;
    const info = await lstat(host);
    const mode = info.mode & 0o777 & ~(owner.stripMode ?? 0);
    if (info.isDirectory()) {
      await addEntry(pack, { name: inner, type: 'directory', mode, ...own });
      await addTree(pack, host, inner, owner);
    } else if (info.isFile()) {
      await addEntry(
        pack,
        { name: inner, type: 'file', mode, size: info.size, ...own },
        await readFile(host),
      );
    } else if (info.isSymbolicLink()) {
      // Kept as a link: the container sees the link text, never the host file it may point to.
      await addEntry(pack, {
        name: inner,
        type: 'symlink',
        linkname: await readlink(host),
        mode: 0o777,
        ...own,
      });
    }
    // Sockets, FIFOs and devices are not copied.
  }
}

/** tar-stream packs are streamx streams: pipeable like Node's, typed apart. */
function asReadable(pack: Pack): Readable {
  return pack as unknown as Readable;
}

/** A tar stream of the given folders, built while it is read (the caller sends it somewhere). */
export function packTrees(roots: TreeRoot[], owner: EntryOwner): Readable {
  const pack = tarPack();
  void (async () => {
    try {
      for (const root of roots) {
        const info = await lstat(root.dir).catch(() => undefined);
        if (!info?.isDirectory())
          throw new InputError(`sandbox folder ${root.dir}: not a folder; check the problem's paths`);
        if (root.prefix)
          await addEntry(pack, {
            name: root.prefix,
            type: 'directory',
            mode: 0o755,
            uid: owner.uid,
            gid: owner.gid,
          });
        await addTree(pack, root.dir, root.prefix, owner);
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  return asReadable(pack);
}

/** A tar archive holding one file at `relPath`, with its parent folders (so they get the same owner). */
export function packFile(relPath: string, content: Buffer, owner: EntryOwner, mode = 0o644): Readable {
  const pack = tarPack();
  const parts = relPath.split('/');
  for (let i = 1; i < parts.length; i++)
    pack.entry({
      name: parts.slice(0, i).join('/'),
      type: 'directory',
      mode: 0o755,
      uid: owner.uid,
      gid: owner.gid,
    });
  pack.entry(
    { name: relPath, type: 'file', mode, size: content.length, uid: owner.uid, gid: owner.gid },
    content,
  );
  pack.finalize();
  return asReadable(pack);
}
