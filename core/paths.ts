// Where the installed package lives, so runtime assets (problems, harness scripts) resolve from dist/ and from sources.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The folder holding adrs's package.json (works from dist/ and from the TypeScript sources). */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') {
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error('adrs: cannot find the package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  cachedRoot = dir;
  return dir;
}

/** A path inside the package, e.g. assetPath('evaluators', 'harness', 'adrs_eval.py'). */
export function assetPath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}
