// The layout of the shared directory (job files, results, the in-flight table, batch scripts, logs) and atomic JSON writes.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export class SharedDir {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Creates the sub-folders (idempotent). */
  ensure(): this {
    for (const sub of ['jobs', 'results', 'inflight', 'batches', 'logs'])
      mkdirSync(path.join(this.root, sub), { recursive: true });
    return this;
  }

  jobFile(key: string): string {
    return path.join(this.root, 'jobs', `${key}.json`);
  }
  resultFile(key: string): string {
    return path.join(this.root, 'results', `${key}.json`);
  }
  inflightDir(): string {
    return path.join(this.root, 'inflight');
  }
  inflightFile(key: string): string {
    return path.join(this.root, 'inflight', `${key}.json`);
  }
  batchFile(batchId: string, ext: 'sh' | 'list'): string {
    return path.join(this.root, 'batches', `${batchId}.${ext}`);
  }
  /** sbatch --output pattern; logFile() names one task's log. */
  logPattern(): string {
    return path.join(this.root, 'logs', '%A_%a.out');
  }
  logFile(slurmJobId: string): string {
    return path.join(this.root, 'logs', `${slurmJobId}.out`);
  }
}

/** A file name made from an id: letters, digits, ".", "_" and "-" only. */
export function fileKey(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 180) || 'job';
}

/** Writes JSON through a temporary file and a rename, so readers (on any node) see all of it or nothing. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, JSON.stringify(value, null, 1) + '\n');
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Parsed JSON, or undefined when the file is missing or unreadable. */
export function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
