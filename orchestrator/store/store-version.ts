// Which adrs wrote a database (adrs_meta), so that an older adrs refuses one written by a newer adrs.
import type Database from 'better-sqlite3';
import { InputError } from '../../core/errors.js';
import { adrsVersion } from '../../core/version.js';

/** Created outside the numbered migrations: every adrs, old or new, must be able to read it first. */
export const META_TABLE_SQL =
  'CREATE TABLE IF NOT EXISTS adrs_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)';

/** -1, 0 or 1 as a is older than, the same as, or newer than b (numeric major.minor.patch). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => v.split(/[.+-]/, 3).map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** The newest adrs version that wrote this database, if one was recorded. */
export function recordedWriter(db: Database.Database): string | undefined {
  if (!hasTable(db, 'adrs_meta')) return undefined;
  const row = db.prepare("SELECT value FROM adrs_meta WHERE key = 'adrs_version'").get() as
    { value: string } | undefined;
  return row?.value;
}

/**
 * Refuses a database written by a newer adrs: its recorded writer is newer than this one, or it has
 * migrations this adrs does not know (their tables may mean things this code would break).
 */
export function refuseNewerStore(db: Database.Database, label: string, knownMigrations: number[]): void {
  const ours = adrsVersion();
  const writer = recordedWriter(db);
  const newestKnown = Math.max(0, ...knownMigrations);
  const newestApplied = hasTable(db, 'schema_migrations')
    ? ((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0)
    : 0;
  const newerWriter = writer !== undefined && compareVersions(writer, ours) > 0;
  if (newerWriter || newestApplied > newestKnown)
    throw new InputError(
      `${label}: written by adrs ${writer ?? `newer than ${ours} (schema ${newestApplied})`}, this is ${ours}: upgrade adrs to open it (or use another --db)`,
    );
}

/** Records this adrs as the database's writer (never lowers a recorded version). */
export function recordWriter(db: Database.Database): void {
  const ours = adrsVersion();
  const writer = recordedWriter(db);
  if (writer !== undefined && compareVersions(writer, ours) >= 0) return;
  db.prepare(
    "INSERT INTO adrs_meta (key, value) VALUES ('adrs_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  ).run(ours);
}
