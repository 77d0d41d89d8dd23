// Gives each local session a candidate uid of its own, so no session can use up another's process budget.
import { randomInt } from 'node:crypto';
import { countUserTasks } from './process-sweep.js';

/**
 * First uid of the per-session range. RLIMIT_NPROC counts every task of a uid, so with one shared candidate uid a
 * fork bomb in one session made another session's forks and threads fail (EAGAIN), which read as that candidate's
 * failure. systemd leaves 0x70000000-0x7FFDFFFF unassigned (above its container range 0x80000-0x6FFFFFFF, below its
 * foreign range 0x7FFE0000; https://systemd.io/UIDS-GIDS/), so no account or container of the host owns these.
 */
export const SESSION_UID_BASE = 0x70000000;
/** How many uids the range holds. */
export const SESSION_UID_COUNT = 0x10000;
const TRIES = 32;

export interface SessionId {
  uid: number;
  gid: number;
}

/** Uids of this process's open sessions. */
const held = new Set<number>();

/**
 * A uid (and gid of the same number) that no open session of this process holds and no process on this host runs
 * as. Random in the range, so concurrent adrs processes rarely draw the same one; if they did, the two sessions
 * would only share a process budget again, as every session did before. Release it with releaseSessionId.
 */
export async function allocateSessionId(): Promise<SessionId> {
  for (let i = 0; i < TRIES; i++) {
    const uid = SESSION_UID_BASE + randomInt(SESSION_UID_COUNT);
    if (held.has(uid)) continue;
    held.add(uid);
    if ((await countUserTasks(uid)) === 0) return { uid, gid: uid };
    held.delete(uid);
  }
  throw new Error(`local sandbox: no free candidate uid in ${TRIES} draws from ${SESSION_UID_BASE}+`);
}

/** Returns a session's uid to the pool once its processes are gone. */
export function releaseSessionId(id: SessionId | undefined): void {
  if (id) held.delete(id.uid);
}

/** Whether `uid` lies in the per-session range (a candidate process of some local session). */
export function isSessionUid(uid: number): boolean {
  return uid >= SESSION_UID_BASE && uid < SESSION_UID_BASE + SESSION_UID_COUNT;
}
