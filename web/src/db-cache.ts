// Caches what a page computed from the database until the database changes (by any connection).
import type Database from 'better-sqlite3';

type Db = Database.Database;

const MAX_ENTRIES = 64;
const caches = new WeakMap<Db, { version: string; entries: Map<string, unknown> }>();
const ownChanges = new WeakMap<Db, Database.Statement>();

/**
 * A version that changes whenever anything is committed: data_version moves on other connections' commits,
 * total_changes() on this connection's own.
 */
export function dbVersion(db: Db): string {
  const dv = db.pragma('data_version', { simple: true }) as number;
  let st = ownChanges.get(db);
  if (!st) ownChanges.set(db, (st = db.prepare('SELECT total_changes()').pluck()));
  const own = st.get() as number;
  return `${dv}:${own}`;
}

/** Returns the cached value for `key` if nothing was committed since it was computed, else computes it. */
export function cachedRead<T>(db: Db, key: string, compute: () => T): T {
  const version = dbVersion(db);
  let cache = caches.get(db);
  if (!cache || cache.version !== version) {
    cache = { version, entries: new Map() };
    caches.set(db, cache);
  }
  if (cache.entries.has(key)) return cache.entries.get(key) as T;
  const value = compute();
  if (cache.entries.size >= MAX_ENTRIES) cache.entries.delete(cache.entries.keys().next().value as string);
  cache.entries.set(key, value);
  return value;
}

const versioned = new WeakMap<Db, Map<string, { version: number; value: unknown }>>();

/**
 * Returns the value kept for `key` while `version` (a writer-kept change counter, e.g. verdictsVersion) stays
 * the same, else computes it. Survives commits that leave the counter alone (a live run's every iteration).
 */
export function cachedByVersion<T>(db: Db, version: number, key: string, compute: () => T): T {
  let m = versioned.get(db);
  if (!m) versioned.set(db, (m = new Map<string, { version: number; value: unknown }>()));
  const hit = m.get(key);
  if (hit && hit.version === version) return hit.value as T;
  const value = compute();
  if (!hit && m.size >= MAX_ENTRIES) m.delete(m.keys().next().value as string);
  m.set(key, { version, value });
  return value;
}
