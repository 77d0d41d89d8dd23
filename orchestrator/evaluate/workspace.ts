// Materialises a candidate's workspace on the host: the seed folder with the candidate's evolved files written over it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '../../core/errors.js';
import type { LoadedProblem } from '../../problems/src/load.js';

export interface Workspace {
  dir: string;
  dispose(): void;
}

export function materializeWorkspace(problem: LoadedProblem, files: Record<string, string>): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-ws-'));
  cpSync(problem.seedDir, dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const target = path.resolve(dir, rel);
    if (!target.startsWith(dir + path.sep))
      throw new InputError(`candidate file "${rel}" escapes the workspace`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The seed's evolvable files, by relative path. */
export function seedFiles(problem: LoadedProblem): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of problem.spec.seed.files) out[rel] = readFileSync(path.join(problem.seedDir, rel), 'utf8');
  return out;
}
