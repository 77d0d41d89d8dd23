// The candidate bundle download: built by orchestrator/export; its errors reach the one error mapper.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Response } from 'express';
import { adrsVersion } from '../../core/version.js';
import { writeBundle } from '../../orchestrator/export/bundle-archive.js';
import { collectBundle } from '../../orchestrator/export/bundle-contents.js';
import type { Store } from '../../orchestrator/store/store.js';

/** Writes the bundle of a candidate (the caller checked it exists) and sends it as a .tar.gz download. */
export async function sendBundle(store: Store, candidateId: string, res: Response): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-web-bundle-'));
  try {
    const name = `${candidateId.replace(/[^A-Za-z0-9._-]/g, '_')}.tar.gz`;
    const file = path.join(dir, name);
    await writeBundle(collectBundle(store, candidateId, adrsVersion()), file);
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.send(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
