// Checks a bundle before `adrs import` stores it: the names a problem load would accept, and files the patch makes.
import { InputError } from '../../core/errors.js';
import { loadProblem } from '../../problems/src/load.js';
import { seedFiles } from '../evaluate/workspace.js';
import type { OpenedBundle } from './bundle-archive.js';
import { TamperedBundleError } from './bundle-archive.js';
import { applyBundlePatch } from './bundle-check.js';

/** The problem-name rule of problems/src/schema.ts (a name reaches file paths, URLs and the web page). */
const PROBLEM_NAME = /^[a-z0-9][a-z0-9._-]*$/;
/** Proposer and model names: what the proposers write, nothing a page could read as markup. */
const LABEL = /^[\w.:/@+-]{1,200}$/;

/** The paths a git diff touches, from its `diff --git a/X b/Y` headers (the b side; deletions keep a). */
export function patchPaths(patch: string): Set<string> {
  const out = new Set<string>();
  for (const m of patch.matchAll(/^\+\+\+ (?:b\/(.+)|\/dev\/null)$/gm)) if (m[1]) out.add(m[1].trim());
  return out;
}

const safeRel = (rel: string): boolean =>
  rel.length > 0 && !rel.startsWith('/') && !rel.split('/').some((p) => p === '..' || p === '');

/**
 * Refuses, with one line, a bundle whose names a problem load would not accept or whose files the patch
 * does not produce. When the named problem is installed here at the same content hash, the patch is also
 * applied to its seed and must give exactly the bundled files. Returns how far the files were checked.
 */
export function validateImport(bundle: OpenedBundle, label: string, cwd: string): 'applied' | 'headers' {
  const m = bundle.metadata;
  const name = String(m.problem?.name ?? '');
  if (!PROBLEM_NAME.test(name))
    throw new InputError(
      `${label}: refused: metadata.json problem.name "${name.slice(0, 40)}" is not a problem name (lower-case letters, digits, ".", "_" or "-")`,
    );
  if (!/^[0-9a-f]{64}$/.test(String(m.problem.content_hash ?? '')))
    throw new InputError(`${label}: refused: metadata.json problem.content_hash is not a sha256 hex digest`);
  for (const [field, v] of [
    ['proposer', m.proposer],
    ['model', m.model],
    ['candidate.id', m.candidate?.id],
  ] as const) {
    if (v !== null && v !== undefined && !LABEL.test(String(v)))
      throw new InputError(
        `${label}: refused: metadata.json ${field} "${String(v).slice(0, 40)}" has characters a name may not have`,
      );
  }
  const touched = patchPaths(bundle.patch);
  const changed = new Set(m.files_changed ?? []);
  for (const rel of [...touched, ...changed, ...Object.keys(bundle.files)])
    if (!safeRel(rel))
      throw new InputError(`${label}: refused: file path "${rel.slice(0, 80)}" is not a plain relative path`);
  for (const rel of Object.keys(bundle.files))
    if (!touched.has(rel))
      throw new TamperedBundleError(`${label}: refused: files/${rel} is not produced by patch.diff`);
  for (const rel of changed)
    if (!touched.has(rel))
      throw new TamperedBundleError(
        `${label}: refused: files_changed names ${rel}, which patch.diff does not touch`,
      );
  for (const rel of touched)
    if (!changed.has(rel))
      throw new TamperedBundleError(
        `${label}: refused: patch.diff touches ${rel}, which files_changed does not list`,
      );
  let installed;
  try {
    installed = loadProblem(name, cwd);
  } catch {
    return 'headers';
  }
  if (installed.contentHash !== m.problem.content_hash) return 'headers';
  applyBundlePatch(bundle, seedFiles(installed), label);
  return 'applied';
}
