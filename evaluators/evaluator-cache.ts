// The evaluator cache: values an evaluator computed from the problem alone (no candidate code had run), kept on the
// host across evaluations of one problem and shown to later ones read-only. The differential checks keep their base
// observations there, so the base run they need is paid once per set of changed functions, not per candidate.
//
// Inside the sandbox the folder is a read-only copy (the local sandbox copies it and takes the write bits away;
// Docker puts it under /problem as root-owned files the sandbox user can only read), so candidate code cannot
// change what later evaluations read. New entries come back only through the
// evaluator's own output file (a random name, like the result's), after a normal exit, with checked names and sizes.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * What one evaluation may hand back (base64 inflates by 4/3). Sized for the SWE harness's bytecode archive of a
 * large library's base tree (swe_pyc.py: sympy's is about 11 MB), which the largest entry (a quarter of the folder)
 * must hold.
 */
export const CACHE_OUT_MAX_BYTES = 48 * 1024 * 1024;
/** What the folder may hold; the oldest entries go first. */
export const CACHE_MAX_BYTES = 128 * 1024 * 1024;
export const CACHE_MAX_ENTRIES = 64;
const ENTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const cacheOutSchema = z.object({ entries: z.record(z.string(), z.string()) });

/** The cache folder, created when missing; undefined (no cache, evaluations still run) when it cannot be. */
export function prepareCacheDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    return statSync(dir).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds the entries of an evaluator's cache output ({"entries": {name: base64}}) to the folder: names must be plain
 * file names, each is written whole (temp file, then rename), and one of the same name is replaced (an evaluator
 * hands back an entry only when the one there was missing or did not load). Anything malformed is dropped: the
 * cache only saves time, so it never fails an evaluation. Returns the names kept.
 */
export function keepCacheEntries(dir: string, raw: Buffer | undefined): string[] {
  if (!raw || raw.length === 0 || raw.length >= CACHE_OUT_MAX_BYTES) return [];
  let parsed;
  try {
    parsed = cacheOutSchema.safeParse(JSON.parse(raw.toString('utf8')));
  } catch {
    return [];
  }
  if (!parsed.success) return [];
  const kept: string[] = [];
  for (const [name, b64] of Object.entries(parsed.data.entries)) {
    if (!ENTRY_NAME.test(name) || name.endsWith('.tmp')) continue;
    const target = path.join(dir, name);
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length === 0 || bytes.length > CACHE_MAX_BYTES / 4) continue;
    // Written beside the folder, then renamed in: a copy of the folder never sees a half-written entry.
    const tmp = path.join(
      path.dirname(dir),
      `.${path.basename(dir)}.${name}.${process.pid}.${Date.now()}.tmp`,
    );
    try {
      writeFileSync(tmp, bytes, { mode: 0o644 });
      renameSync(tmp, target);
      kept.push(name);
    } catch {
      rmSync(tmp, { force: true });
    }
  }
  if (kept.length) trimCache(dir);
  return kept;
}

/**
 * Keeps the folder within CACHE_MAX_ENTRIES and CACHE_MAX_BYTES: once over either, removes the oldest entries until
 * it holds three quarters of both (so trimming, which can race a copy of the folder, is rare).
 */
export function trimCache(dir: string): void {
  let entries: { file: string; size: number; mtime: number }[];
  try {
    entries = readdirSync(dir)
      .filter((name) => ENTRY_NAME.test(name) && !name.endsWith('.tmp'))
      .map((name) => {
        const s = statSync(path.join(dir, name));
        return { file: path.join(dir, name), size: s.size, mtime: s.mtimeMs };
      })
      .sort((a, b) => b.mtime - a.mtime);
  } catch {
    return;
  }
  const total = entries.reduce((n, e) => n + e.size, 0);
  if (entries.length <= CACHE_MAX_ENTRIES && total <= CACHE_MAX_BYTES) return;
  let bytes = 0;
  entries.forEach((e, i) => {
    bytes += e.size;
    if (i >= (CACHE_MAX_ENTRIES * 3) / 4 || bytes > (CACHE_MAX_BYTES * 3) / 4)
      rmSync(e.file, { force: true });
  });
}
