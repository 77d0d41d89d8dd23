// The in-flight table on the shared filesystem: one JSON file per evaluation (Slurm job id <-> EvalJob), so a restarted coordinator re-attaches.
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { EvalJob } from '../types.js';
import { inflightSchema, type InflightRecord } from './file-schemas.js';
import { readJson, writeJsonAtomic, type SharedDir } from './shared-dir.js';

/** A digest of the candidate's files, so a re-attached job evaluates exactly what is asked. */
export function filesHash(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(files).sort()) h.update(name).update('\0').update(files[name]!).update('\0');
  return h.digest('hex');
}

export class InflightTable {
  constructor(private readonly dir: SharedDir) {}

  /** Every readable record (unreadable or half-written files are skipped). */
  load(): InflightRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir.inflightDir());
    } catch {
      return [];
    }
    const out: InflightRecord[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const parsed = inflightSchema.safeParse(readJson(path.join(this.dir.inflightDir(), name)));
      if (parsed.success) out.push(parsed.data);
    }
    return out;
  }

  save(record: InflightRecord): void {
    record.updatedAt = new Date().toISOString();
    writeJsonAtomic(this.dir.inflightFile(record.key), record);
  }

  remove(record: InflightRecord): void {
    rmSync(this.dir.inflightFile(record.key), { force: true });
  }
}

/**
 * The record among `candidates` that evaluates the same thing as `job` (same candidate, stage, problem and files),
 * preferring one with the same seed.
 */
export function findMatch(
  candidates: Iterable<InflightRecord>,
  job: Pick<EvalJob, 'candidateId' | 'stage' | 'problemHash' | 'seed'> & {
    filesHash: string;
    kind?: 'eval' | 'verify';
  },
): InflightRecord | undefined {
  const hash = job.filesHash;
  let loose: InflightRecord | undefined;
  for (const r of candidates) {
    if (r.candidateId !== job.candidateId || r.stage !== job.stage) continue;
    if ((r.kind ?? 'eval') !== (job.kind ?? 'eval')) continue;
    if (r.problemHash !== job.problemHash || r.filesHash !== hash) continue;
    if (r.seed === job.seed) return r;
    loose ??= r;
  }
  return loose;
}
