// The seed files of a loaded problem, read once per problem: every prompt of a run starts with them (a stable prefix).
import { seedFiles } from '../evaluate/workspace.js';
import type { LoadedProblem } from '../../problems/src/load.js';

const cache = new WeakMap<LoadedProblem, Record<string, string> | null>();

/** The seed's evolved files, or undefined when they cannot be read (the prompt then goes without the copy). */
export function seedOf(problem: LoadedProblem): Record<string, string> | undefined {
  if (!cache.has(problem)) {
    let files: Record<string, string> | null;
    try {
      files = seedFiles(problem);
    } catch {
      files = null;
    }
    cache.set(problem, files);
  }
  return cache.get(problem) ?? undefined;
}
