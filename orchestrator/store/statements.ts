// Prepared statements cached per connection and SQL text: preparing costs more than running most of our queries.
import type Database from 'better-sqlite3';

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** `db.prepare(sql)`, once per connection and text (the texts are a fixed set, so the cache stays small). */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map<string, Database.Statement>()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}
