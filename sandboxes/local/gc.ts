// Finds local sandbox sessions whose adrs process is gone (after kill -9) and removes them: processes, mounts, folders.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sweepMarked } from './process-sweep.js';
import { defaultTmpBase, removeSessionFiles } from './session-files.js';

/** Written into each session root: which adrs process owns it and the marker of its processes. */
export const OWNER_FILE = 'owner.json';

export interface SessionOwner {
  pid: number;
  /** Start time of that process (clock ticks since boot, /proc/<pid>/stat field 22): a reused pid is not the owner. */
  started: string;
  marker: string;
}

export interface LocalGarbage {
  root: string;
  owner?: SessionOwner;
  reason: string;
  killed: number;
  removed: boolean;
}

async function startTime(pid: number): Promise<string | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Field 2 (comm) may hold spaces and parentheses: count from the last ')'.
  return text?.slice(text.lastIndexOf(')') + 2).split(' ')[19];
}

/** Records this process as the owner of a session root. */
export async function writeOwner(root: string, marker: string): Promise<void> {
  const owner: SessionOwner = { pid: process.pid, started: (await startTime(process.pid)) ?? '', marker };
  await writeFile(path.join(root, OWNER_FILE), JSON.stringify(owner), { mode: 0o644 });
}

async function alive(owner: SessionOwner): Promise<boolean> {
  const started = await startTime(owner.pid);
  return started !== undefined && started === owner.started;
}

/**
 * Session roots (`adrs-sandbox-*`) in `bases` whose owner is gone: their processes are killed (by marker) and
 * their folders removed (the workspace tmpfs unmounted first). `all` takes live ones too; `dryRun` only lists.
 */
export async function collectLocalGarbage(
  bases: string[],
  options: { all?: boolean; dryRun?: boolean } = {},
): Promise<LocalGarbage[]> {
  const out: LocalGarbage[] = [];
  for (const base of [...new Set(bases)]) {
    const names = await readdir(base).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith('adrs-sandbox-'))) {
      const root = path.join(base, name);
      if (!(await stat(root).catch(() => undefined))?.isDirectory()) continue;
      const owner = await readFile(path.join(root, OWNER_FILE), 'utf8')
        .then((t) => JSON.parse(t) as SessionOwner)
        .catch(() => undefined);
      let reason: string | undefined;
      if (!owner) reason = options.all ? '--all (no owner recorded)' : undefined;
      else if (!(await alive(owner))) reason = `adrs process ${owner.pid} is gone`;
      else if (options.all) reason = '--all';
      if (!reason) continue;
      const item: LocalGarbage = { root, ...(owner ? { owner } : {}), reason, killed: 0, removed: false };
      if (!options.dryRun) {
        if (owner?.marker) item.killed = await sweepMarked(owner.marker);
        item.removed = await removeSessionFiles(root, process.getuid?.() === 0).then(
          () => true,
          () => false,
        );
      }
      out.push(item);
    }
  }
  return out;
}

/** Where local session roots are created: the default temp base, and /tmp (where a restricted TMPDIR falls back). */
export async function localSessionBases(): Promise<string[]> {
  return [await defaultTmpBase(), '/tmp'];
}

/**
 * Removes the local sessions of adrs processes that are gone (a kill -9 leaves their processes and folders),
 * as `adrs evolve` and `adrs resume` do before they start; live sessions, other users' included, are left alone.
 */
export async function sweepOrphanedSessions(): Promise<LocalGarbage[]> {
  return collectLocalGarbage(await localSessionBases());
}
