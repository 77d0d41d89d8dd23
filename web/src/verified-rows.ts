// Lists of verified results kept across requests and patched per changed candidate (migration 0010's log): a new
// verdict re-reads that candidate's rows, not the thousands of verified verdicts of a large store or run.
import type Database from 'better-sqlite3';
import { verdictChangeSeq, verdictChangesSince } from './queries.js';

type Db = Database.Database;

/** Past this many changes a full read is cheaper than patching (and bounds the work of one request). */
const MAX_PATCH = 500;

interface Kept<R> {
  seq: number;
  byCandidate: Map<string, R[]>;
  list: readonly R[];
}

/** How to read one kept list: all of it, or only the rows of some candidates (either may be empty). */
export interface KeptSource<R> {
  all(): R[];
  some(candidateIds: string[]): R[];
  candidateOf(row: R): string;
  /** The list's order (a total order: ties broken by a unique key), else the candidates' first-read order. */
  order?: (a: R, b: R) => number;
}

const kept = new WeakMap<Db, Map<string, Kept<unknown>>>();

function group<R>(rows: R[], src: KeptSource<R>): Map<string, R[]> {
  const m = new Map<string, R[]>();
  for (const r of rows) {
    const c = src.candidateOf(r);
    const list = m.get(c);
    if (list) list.push(r);
    else m.set(c, [r]);
  }
  return m;
}

function keep<R>(
  byKey: Map<string, Kept<unknown>>,
  key: string,
  seq: number,
  byCandidate: Map<string, R[]>,
  src: KeptSource<R>,
) {
  const list = [...byCandidate.values()].flat();
  if (src.order) list.sort(src.order);
  byKey.set(key, { seq, byCandidate, list });
  return list;
}

/**
 * The list `key` names, read by `src`: the same array while no verified result changed, patched when some did.
 * Rows are shared between requests and must not be changed by callers. The change sequence is read before the
 * rows, so a change committed in between is read again next time, never missed.
 */
export function keptVerified<R>(db: Db, key: string, src: KeptSource<R>): readonly R[] {
  let byKey = kept.get(db);
  if (!byKey) kept.set(db, (byKey = new Map<string, Kept<unknown>>()));
  const cur = byKey.get(key) as Kept<R> | undefined;
  const seq = verdictChangeSeq(db);
  if (cur && cur.seq === seq) return cur.list;
  const changed = cur ? verdictChangesSince(db, cur.seq, MAX_PATCH + 1) : [];
  if (!cur || changed.length > MAX_PATCH || changed.includes(null))
    return keep(byKey, key, seq, group(src.all(), src), src);
  const ids = [...new Set(changed as string[])];
  const fresh = group(src.some(ids), src);
  if (fresh.size === 0 && !ids.some((c) => cur.byCandidate.has(c))) {
    // None of the changes is in this list (another run's verdict): the same array, so what was computed from it stays.
    cur.seq = seq;
    return cur.list;
  }
  // The map is patched in place (only this module sees it); the list is always a new array, so a caller holding
  // the previous one keeps it unchanged.
  const byCandidate = cur.byCandidate;
  for (const c of ids) {
    const rows = fresh.get(c);
    if (rows) byCandidate.set(c, rows);
    else byCandidate.delete(c);
  }
  return keep(byKey, key, seq, byCandidate, src);
}
