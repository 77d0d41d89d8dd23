// What CLI commands accept: any id as a unique prefix (an ambiguous one lists its matches), and a problem as
// `evolve` takes it: a folder (with a problem.yaml, or an OpenEvolve example) or a name.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../../core/errors.js';
import { loadProblem } from '../../problems/src/load.js';
import { ambiguous, idsWithPrefix, resolveIdPrefix } from '../store/id-prefix.js';
import type { Store } from '../store/store.js';

export const resolveCandidateId = (store: Store, ref: string): string =>
  resolveIdPrefix(store.db, 'candidates', ref);

export const resolveRunId = (store: Store, ref: string): string => resolveIdPrefix(store.db, 'runs', ref);

/** A ref that may name a run or a candidate (`adrs show`): which one, by unique prefix over both. */
export function resolveRunOrCandidate(store: Store, ref: string): { kind: 'run' | 'candidate'; id: string } {
  const runs = idsWithPrefix(store.db, 'runs', ref);
  const cands = idsWithPrefix(store.db, 'candidates', ref);
  // An exact id wins over prefixes of the other table.
  if (runs[0] === ref) return { kind: 'run', id: ref };
  if (cands[0] === ref) return { kind: 'candidate', id: ref };
  const all = [...runs, ...cands];
  if (all.length === 0)
    throw new NotFoundError(`"${ref}" is neither a run nor a candidate (list runs with \`adrs runs\`)`);
  if (all.length > 1) throw ambiguous('id', ref, all);
  return runs.length ? { kind: 'run', id: runs[0]! } : { kind: 'candidate', id: cands[0]! };
}

/**
 * The problem name a ref stands for: a folder is loaded (as `evolve` does) and its spec's name used; anything
 * else is taken as a name (it may be known only to the database, e.g. from an imported bundle).
 */
export function problemNameOf(ref: string, cwd: string): string {
  const dir = path.resolve(cwd, ref);
  const isFolder = existsSync(dir) && statSync(dir).isDirectory();
  if (!isFolder) return ref.replace(/\/+$/, '');
  return loadProblem(ref, cwd).spec.name;
}
