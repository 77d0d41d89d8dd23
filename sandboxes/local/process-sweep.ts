// Finds and kills the processes of a session through /proc: namespace inits, marked environments, per-user counts.
import { readdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Environment variable set in every exec; its value names the session. */
export const MARKER_VAR = 'ADRS_SANDBOX_SESSION';

async function pids(): Promise<number[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Sends `signal`, ignoring processes that are already gone (or not ours to signal). */
export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already, or not permitted: nothing more we can do from here
  }
}

/** Direct children of `pid` (the namespace init is the only child of `unshare --fork`). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Kills the tree started as process-group leader `pid`: its children first (a namespace init), then the group. */
export function killGroupTree(pid: number): void {
  for (const child of childrenOf(pid)) signalQuietly(child, 'SIGKILL');
  signalQuietly(-pid, 'SIGKILL');
  signalQuietly(pid, 'SIGKILL');
}

/** Processes whose initial environment holds `MARKER_VAR=<value>`. */
export async function findMarked(value: string): Promise<number[]> {
  const needle = Buffer.from(`${MARKER_VAR}=${value}\0`);
  const found: number[] = [];
  await Promise.all(
    (await pids()).map(async (pid) => {
      if (pid === process.pid) return;
      const environ = await readFile(`/proc/${pid}/environ`).catch(() => undefined);
      if (environ?.includes(needle)) found.push(pid);
    }),
  );
  return found;
}

/** SIGKILLs every marked process until none is left (a forking process may need several rounds). */
export async function sweepMarked(value: string, rounds = 20): Promise<number> {
  let killed = 0;
  for (let round = 0; round < rounds; round++) {
    const found = await findMarked(value);
    if (found.length === 0) return killed;
    for (const pid of found) signalQuietly(pid, 'SIGKILL');
    killed += found.length;
    await sleep(10);
  }
  return killed;
}

/** Tasks (threads included) whose real uid is `uid`: what RLIMIT_NPROC counts for that user. */
export async function countUserTasks(uid: number): Promise<number> {
  let count = 0;
  await Promise.all(
    (await pids()).map(async (pid) => {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      const threads = /^Threads:\s+(\d+)/m.exec(status)?.[1];
      if (real !== undefined && Number(real) === uid) count += Number(threads ?? 1);
    }),
  );
  return count;
}
