// Applies the numbered SQL migrations in orchestrator/store/migrations, in order, once each, all in one
// transaction (a failed one leaves the database as it was); refuses a database from a newer adrs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { AdrsError } from '../../core/errors.js';
import { assetPath } from '../../core/paths.js';
import { META_TABLE_SQL, recordWriter, refuseNewerStore } from './store-version.js';

export const MIGRATIONS_DIR = assetPath('orchestrator', 'store', 'migrations');

/** The migration files of a folder, oldest first, with their numbers. */
export function migrationFiles(dir: string = MIGRATIONS_DIR): { version: number; file: string }[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), file }));
}

/** Migrates the database; returns the versions applied now. `label` names it in errors (its path). */
export function migrate(
  db: Database.Database,
  dir: string = MIGRATIONS_DIR,
  label = 'the database',
): number[] {
  const files = migrationFiles(dir);
  refuseNewerStore(
    db,
    label,
    files.map((f) => f.version),
  );
  const applied: number[] = [];
  let current = '';
  try {
    db.transaction(() => {
      db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      db.exec(META_TABLE_SQL);
      const done = new Set(
        (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
          (r) => r.version,
        ),
      );
      const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      for (const { version, file } of files) {
        if (done.has(version)) continue;
        current = file;
        db.exec(readFileSync(path.join(dir, file), 'utf8'));
        insert.run(version, file, new Date().toISOString());
        applied.push(version);
      }
      current = '';
      recordWriter(db);
    })();
  } catch (error) {
    if (!current) throw error;
    throw new AdrsError(
      'store',
      `${label}: migration ${current} failed (${(error as Error).message}); the database was left as it was`,
      { cause: error },
    );
  }
  return applied;
}
