// Checks that a bundle's patch, applied with git to the installed problem's seed, gives exactly the bundle's files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OpenedBundle } from './bundle-archive.js';
import { TamperedBundleError } from './bundle-archive.js';

/** Applies the bundle's patch to `base` with `git apply`; returns the evolved files after the patch. */
export function applyBundlePatch(
  bundle: OpenedBundle,
  base: Record<string, string>,
  label: string,
): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-bundle-apply-'));
  try {
    for (const [rel, text] of Object.entries(base)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
    writeFileSync(path.join(dir, '.adrs-patch.diff'), bundle.patch);
    try {
      execFileSync('git', ['apply', '--whitespace=nowarn', '.adrs-patch.diff'], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '')
        .trim()
        .split('\n')[0];
      throw new TamperedBundleError(
        `${label}: refused: patch.diff does not apply to the problem's seed (${stderr})`,
      );
    }
    const after: Record<string, string> = { ...base };
    for (const rel of bundle.metadata.files_changed) after[rel] = readFileSync(path.join(dir, rel), 'utf8');
    for (const [rel, text] of Object.entries(bundle.files)) {
      if (after[rel] !== text)
        throw new TamperedBundleError(
          `${label}: refused: files/${rel} differs from what patch.diff produces`,
        );
    }
    return after;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
