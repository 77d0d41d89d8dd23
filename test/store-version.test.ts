// The store knows its version: a database from a newer adrs is refused in one line (exit 2 from the
// CLI); migrations run in one transaction, so a failed one leaves the database as it was.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { adrsVersion } from '../core/version.js';
import { runCli } from '../orchestrator/cli/main.js';
import { migrate } from '../orchestrator/store/migrate.js';
import { Store } from '../orchestrator/store/store.js';
import { compareVersions, recordedWriter } from '../orchestrator/store/store-version.js';

const tempDir = (): string => mkdtempSync(path.join(tmpdir(), 'adrs-store-version-'));

/** A database made by this adrs, then edited with plain SQL as a newer adrs would leave it. */
function dbLike(edit: (db: Database.Database) => void): string {
  const file = path.join(tempDir(), 'adrs.db');
  Store.open(file).close();
  const db = new Database(file);
  edit(db);
  db.close();
  return file;
}

function tables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  const names = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);
  db.close();
  return names;
}

async function cli(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
    cwd: tempDir(),
  });
  return { code, stdout, stderr };
}

describe('the store knows its version', () => {
  it('records the adrs that wrote it, from package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(adrsVersion()).toBe(pkg.version);
    const file = dbLike(() => {});
    const db = new Database(file, { readonly: true });
    expect(recordedWriter(db)).toBe(pkg.version);
    db.close();
  });

  it('refuses a database written by a newer adrs, in one line with exit 2 from the CLI', async () => {
    const file = dbLike((db) =>
      db.prepare("UPDATE adrs_meta SET value = '99.1.0' WHERE key = 'adrs_version'").run(),
    );
    expect(() => Store.open(file)).toThrow(
      new RegExp(`written by adrs 99\\.1\\.0, this is ${adrsVersion().replace(/\./g, '\\.')}: upgrade`),
    );
    expect(() => Store.open(file, { readonly: true })).toThrow(/written by adrs 99\.1\.0/);
    const { code, stderr, stdout } = await cli(['runs', '--db', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`${file}: written by adrs 99.1.0, this is ${adrsVersion()}: upgrade`);
  });

  it('refuses a database with migrations this adrs does not know, even with no writer recorded', () => {
    const file = dbLike((db) => {
      db.exec('DROP TABLE adrs_meta');
      db.prepare("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'x')").run();
    });
    expect(() => Store.open(file)).toThrow(/written by adrs newer than .*schema 9999.*: upgrade/);
  });

  it('opens a database from an older adrs (no writer recorded) and records itself', () => {
    const file = dbLike((db) => db.exec('DROP TABLE adrs_meta'));
    const s = Store.open(file);
    expect(recordedWriter(s.db)).toBe(adrsVersion());
    s.close();
  });

  it('compares versions numerically', () => {
    expect(compareVersions('0.10.0', '0.9.9')).toBe(1);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(compareVersions('0.1.0', '0.2.0')).toBe(-1);
  });
});

describe('migrations run in one transaction', () => {
  function migrations(files: Record<string, string>): string {
    const dir = tempDir();
    for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
    return dir;
  }

  it('a failed migration on a fresh database leaves it empty, and the error names the file', () => {
    const dir = migrations({
      '0001_a.sql': 'CREATE TABLE a (x INTEGER);',
      '0002_b.sql': 'CREATE TABLE b (y INTEGER); INSERT INTO nosuch VALUES (1);',
    });
    const file = path.join(tempDir(), 'fresh.db');
    const db = new Database(file);
    expect(() => migrate(db, dir, file)).toThrow(
      /0002_b\.sql failed \(no such table: nosuch\); the database was left as it was/,
    );
    db.close();
    expect(tables(file)).toEqual([]);
  });

  it('a failed migration after earlier ones leaves the applied ones and nothing of the new ones', () => {
    const file = path.join(tempDir(), 'old.db');
    const db = new Database(file);
    expect(migrate(db, migrations({ '0001_a.sql': 'CREATE TABLE a (x INTEGER);' }), file)).toEqual([1]);
    db.prepare('INSERT INTO a VALUES (7)').run();
    const before = tables(file);
    const dir = migrations({
      '0001_a.sql': 'CREATE TABLE a (x INTEGER);',
      '0002_b.sql': 'CREATE TABLE b (y INTEGER); UPDATE a SET x = 8;',
      '0003_c.sql': 'CREATE TABLE c (z INTEGER); SELECT broken syntax here;',
    });
    expect(() => migrate(db, dir, file)).toThrow(/0003_c\.sql failed/);
    expect(tables(file)).toEqual(before);
    expect(db.prepare('SELECT x FROM a').pluck().all()).toEqual([7]);
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    // Mended, the same migrations apply.
    writeFileSync(path.join(dir, '0003_c.sql'), 'CREATE TABLE c (z INTEGER);');
    expect(migrate(db, dir, file)).toEqual([2, 3]);
    db.close();
  });
});
