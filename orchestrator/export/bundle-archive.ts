// Writes and reads bundle archives (.tar.gz) with a checksum manifest; a changed or extra file is refused with the reason.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { AdrsError, InputError } from '../../core/errors.js';
import { BUNDLE_FORMAT, type BundleContents } from './bundle-contents.js';

export const MANIFEST = 'MANIFEST.sha256';

/** A bundle that failed its integrity checks. */
export class TamperedBundleError extends AdrsError {
  constructor(message: string) {
    super('tampered-bundle', message);
    this.name = 'TamperedBundleError';
  }
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out;
}

export async function writeBundle(contents: BundleContents, outFile: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-bundle-w-'));
  try {
    const put = (rel: string, data: string): void => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), data);
    };
    put('patch.diff', contents.patch);
    for (const [rel, data] of Object.entries(contents.files)) put(`files/${rel}`, data);
    put('metadata.json', JSON.stringify(contents.metadata, null, 2) + '\n');
    put('transcript.jsonl', contents.transcript);
    put('REPRODUCE.md', contents.reproduce);
    const entries = walk(dir);
    put(
      MANIFEST,
      entries.map((rel) => `${sha256(readFileSync(path.join(dir, rel)))}  ${rel}`).join('\n') + '\n',
    );
    mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
    await tar.c({ gzip: true, cwd: dir, file: outFile, portable: true, noMtime: true }, [
      MANIFEST,
      ...entries,
    ]);
    return [MANIFEST, ...entries];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface OpenedBundle {
  dir: string;
  patch: string;
  files: Record<string, string>;
  metadata: BundleMetadata;
  transcript: string;
  dispose(): void;
}

export interface BundleMetadata {
  format: string;
  problem: { name: string; content_hash: string; base_commit: string | null };
  candidate: { id: string; score: number | null; correct: boolean; generation: number };
  metrics: Record<string, number>;
  verdict: null | {
    verified: boolean;
    correct: boolean;
    speedup: number | null;
    ci_low: number | null;
    ci_high: number | null;
    method: string;
    score: number | null;
    reason: string;
    min_effect: number | null;
    confidence: number | null;
    samples: { arm: 'candidate' | 'baseline'; key: string; seq: number; value: number }[];
  };
  fingerprint: Record<string, unknown>;
  proposer: string | null;
  model: string | null;
  files_changed: string[];
  [key: string]: unknown;
}

/** Extracts and checks a bundle: every file must match the manifest, and nothing may be added or missing. */
export async function openBundle(file: string): Promise<OpenedBundle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-bundle-r-'));
  const dispose = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    try {
      await tar.x({ file, cwd: dir, strict: true, preservePaths: false });
    } catch (error) {
      throw new InputError(`${file}: not a readable bundle (.tar.gz): ${(error as Error).message}`);
    }
    const present = walk(dir);
    if (!present.includes(MANIFEST))
      throw new TamperedBundleError(`${file}: refused: ${MANIFEST} is missing`);
    const listed = new Map<string, string>();
    for (const line of readFileSync(path.join(dir, MANIFEST), 'utf8').split('\n').filter(Boolean)) {
      const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
      if (!m)
        throw new TamperedBundleError(`${file}: refused: malformed ${MANIFEST} line "${line.slice(0, 60)}"`);
      listed.set(m[2]!, m[1]!);
    }
    for (const rel of present) {
      if (rel === MANIFEST) continue;
      const want = listed.get(rel);
      if (!want)
        throw new TamperedBundleError(`${file}: refused: ${rel} is not in the manifest (a file was added)`);
      if (sha256(readFileSync(path.join(dir, rel))) !== want) {
        throw new TamperedBundleError(
          `${file}: refused: ${rel} does not match its checksum (the file was changed after export)`,
        );
      }
    }
    for (const rel of listed.keys()) {
      if (!present.includes(rel))
        throw new TamperedBundleError(`${file}: refused: ${rel} is listed but missing`);
    }
    const metadata = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as BundleMetadata;
    if (metadata.format !== BUNDLE_FORMAT)
      throw new InputError(
        `${file}: unknown bundle format "${metadata.format}" (this adrs reads ${BUNDLE_FORMAT})`,
      );
    const files: Record<string, string> = {};
    for (const rel of present.filter((r) => r.startsWith('files/')))
      files[rel.slice(6)] = readFileSync(path.join(dir, rel), 'utf8');
    return {
      dir,
      patch: readFileSync(path.join(dir, 'patch.diff'), 'utf8'),
      files,
      metadata,
      transcript: readFileSync(path.join(dir, 'transcript.jsonl'), 'utf8'),
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}
