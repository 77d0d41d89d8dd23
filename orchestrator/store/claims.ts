// Imported verdicts as claims: stored unverified with their claimant, and the local candidates a bundle became.
import { createHash } from 'node:crypto';
import type { Store } from './store.js';

/** A short, stable name for whoever produced a bundle: a digest of its recorded fingerprint. */
export function claimant(fingerprint: unknown): string {
  const text = JSON.stringify(sortKeys(fingerprint ?? null));
  return `fp:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/** Marks a stored verdict row as a claim (never verified here), keeping what the claimant said. */
export function markClaim(store: Store, verdictId: number, by: string, claimedVerified: boolean): void {
  store.db
    .prepare('UPDATE verdicts SET verified = 0, claimed_by = ?, claimed_verified = ? WHERE id = ?')
    .run(by, claimedVerified ? 1 : 0, verdictId);
}

/** Imported candidates (runs of strategy 'import') holding exactly this patch for this problem version. */
export function importedCandidates(store: Store, problemHash: string, patch: string): string[] {
  return (
    store.db
      .prepare(
        `SELECT c.id FROM candidates c JOIN runs r ON r.id = c.run_id
         WHERE r.strategy = 'import' AND c.problem_hash = ? AND c.patch = ? ORDER BY c.created_at`,
      )
      .all(problemHash, patch) as { id: string }[]
  ).map((r) => r.id);
}
