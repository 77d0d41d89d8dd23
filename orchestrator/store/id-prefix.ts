// Resolves a unique id prefix (what the UI and CLI show, e.g. 12 characters) to the full run or candidate id.
import type Database from 'better-sqlite3';
import { InputError, NotFoundError } from '../../core/errors.js';

export type IdTable = 'runs' | 'candidates';

/** How many matches an ambiguous prefix lists. */
const SHOWN = 10;

/**
 * The ids of `table` that start with `prefix` (an exact id first), at most `limit`. A range over the primary
 * key, so it costs one index seek whatever the table size; the upper bound is the prefix followed by the
 * highest character, which sorts after every id that starts with it.
 */
export function idsWithPrefix(
  db: Database.Database,
  table: IdTable,
  prefix: string,
  limit = SHOWN + 1,
): string[] {
  const exact = db.prepare(`SELECT id FROM ${table} WHERE id = ?`).pluck().get(prefix) as string | undefined;
  if (exact !== undefined) return [exact];
  if (prefix === '') return [];
  return db
    .prepare(`SELECT id FROM ${table} WHERE id >= ? AND id < ? ORDER BY id LIMIT ?`)
    .pluck()
    .all(prefix, prefix + '\u{10ffff}', limit) as string[];
}

/** One line naming an ambiguous prefix's matches and the fix. */
export function ambiguous(what: string, prefix: string, matches: string[]): InputError {
  const more = matches.length > SHOWN ? ', …' : '';
  return new InputError(
    `${what} "${prefix}" is ambiguous: it starts ${matches.length > SHOWN ? `more than ${SHOWN}` : matches.length} ids (${matches.slice(0, SHOWN).join(', ')}${more}); give more characters`,
  );
}

/** The one full id of `table` that `prefix` names; NotFoundError when none, InputError listing them when several. */
export function resolveIdPrefix(db: Database.Database, table: IdTable, prefix: string): string {
  const what = table === 'runs' ? 'run' : 'candidate';
  const ids = idsWithPrefix(db, table, prefix);
  if (ids.length === 1) return ids[0]!;
  if (ids.length === 0)
    throw new NotFoundError(`${what} "${prefix}" not found (list them with \`adrs runs\`)`);
  throw ambiguous(`${what} id`, prefix, ids);
}
