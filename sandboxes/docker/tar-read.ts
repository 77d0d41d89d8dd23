// Reads the first regular file out of a tar stream (from getArchive), keeping at most `maxBytes` of it.
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';

/** The file's first `maxBytes` bytes, or undefined when the archive's first entry is not a regular file. */
export async function readFirstFile(
  archive: NodeJS.ReadableStream,
  maxBytes: number,
): Promise<Buffer | undefined> {
  const entries = extract();
  (archive as Readable).on('error', (error: Error) => entries.destroy(error));
  (archive as Readable).pipe(entries);
  try {
    for await (const entry of entries) {
      if (entry.header.type !== 'file') return undefined;
      const chunks: Buffer[] = [];
      let kept = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        if (kept < maxBytes) {
          const part = chunk.subarray(0, maxBytes - kept);
          chunks.push(part);
          kept += part.length;
        }
        if (kept >= maxBytes) break;
      }
      return Buffer.concat(chunks);
    }
    return undefined;
  } finally {
    entries.destroy();
    (archive as Readable).destroy?.();
  }
}
