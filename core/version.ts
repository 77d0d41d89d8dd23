// The adrs version, read from package.json: the one place it is written.
import { readFileSync } from 'node:fs';
import { assetPath } from './paths.js';

let cached: string | undefined;

/** This installation's version, e.g. "0.1.0" (package.json's "version"). */
export function adrsVersion(): string {
  if (cached !== undefined) return cached;
  const pkg = JSON.parse(readFileSync(assetPath('package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string' || !/^\d+\.\d+\.\d+/.test(pkg.version))
    throw new Error(`adrs: package.json at ${assetPath('package.json')} has no valid "version"`);
  cached = pkg.version;
  return cached;
}
