// The embeddings table: one vector per (embedding model, program text hash), as little-endian float32.
import type { Store } from './store.js';

/** The stored vector of a text under a model, or undefined. */
export function loadEmbedding(store: Store, model: string, textSha256: string): Float32Array | undefined {
  const row = store.db
    .prepare('SELECT dims, vector FROM embeddings WHERE model = ? AND text_sha256 = ?')
    .get(model, textSha256) as { dims: number; vector: Buffer } | undefined;
  if (!row) return undefined;
  // Copied out of the driver's buffer (its offset need not be float-aligned).
  const bytes = Uint8Array.from(row.vector);
  return new Float32Array(bytes.buffer, 0, row.dims);
}

/** Stores a vector (an existing one for the same text and model is kept: the model is deterministic enough). */
export function saveEmbedding(
  store: Store,
  model: string,
  textSha256: string,
  vector: ArrayLike<number>,
): void {
  const f = Float32Array.from(vector);
  store.db
    .prepare(
      'INSERT OR IGNORE INTO embeddings (model, text_sha256, dims, vector, created_at) VALUES (?, ?, ?, ?, ?)',
    )
    .run(model, textSha256, f.length, Buffer.from(f.buffer), new Date().toISOString());
}
