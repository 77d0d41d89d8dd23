// Everything the problem page shows: its stored spec, seed program, evaluator, best verified results and runs.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { NotFoundError } from '../../core/errors.js';
import { buildLeaderboard, type LeaderboardEntry } from './leaderboard.js';
import { leaderboardParams } from './params.js';
import { parseJson } from './parse-json.js';
import { findProblem, listRuns, seedCandidate, type RunListRow } from './queries.js';
import { fileMap } from './views/diff.js';

const SEED_FILE_MAX = 256 * 1024;

export interface ProblemDetail {
  name: string;
  contentHash: string | null;
  dir: string | null;
  /** problem.yaml as validated when the problem was stored (see problems/src/schema.ts). */
  spec: Record<string, unknown>;
  seed: { files: Record<string, string>; from: 'store' | 'disk' | 'none'; candidateId: string | null };
  best: LeaderboardEntry[];
  runs: RunListRow[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the seed files named by the spec from the package folder, never outside it. */
function seedFromDisk(dir: string, spec: Record<string, unknown>): Record<string, string> {
  const seed = isRecord(spec.seed) ? spec.seed : {};
  const seedDir = path.resolve(dir, typeof seed.dir === 'string' ? seed.dir : 'seed');
  const files = Array.isArray(seed.files) ? seed.files.filter((f): f is string => typeof f === 'string') : [];
  const out: Record<string, string> = {};
  for (const f of files) {
    const full = path.resolve(seedDir, f);
    const rel = path.relative(path.resolve(dir), full);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    if (!existsSync(full) || !statSync(full).isFile() || statSync(full).size > SEED_FILE_MAX) continue;
    out[f] = readFileSync(full, 'utf8');
  }
  return out;
}

export function buildProblemDetail(db: Database.Database, name: string): ProblemDetail {
  const row = findProblem(db, name);
  const runs = listRuns(db, 50, name);
  if (!row && runs.length === 0) throw new NotFoundError(`problem "${name}" not found (see /problems)`);
  const spec = row ? parseJson(row.spec_json) : undefined;
  const specObj = isRecord(spec) ? spec : {};
  const seedRow = seedCandidate(db, name);
  let seed: ProblemDetail['seed'] = { files: {}, from: 'none', candidateId: null };
  if (seedRow)
    seed = { files: fileMap(parseJson(seedRow.files_json)), from: 'store', candidateId: seedRow.id };
  else if (row) {
    const files = seedFromDisk(row.dir, specObj);
    if (Object.keys(files).length) seed = { files, from: 'disk', candidateId: null };
  }
  const board = buildLeaderboard(db, leaderboardParams.parse({ problem: name, limit: 20 }));
  return {
    name,
    contentHash: row?.content_hash ?? null,
    dir: row?.dir ?? null,
    spec: specObj,
    seed,
    best: board.problems[0]?.entries ?? [],
    runs,
  };
}
