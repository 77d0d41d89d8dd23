// The candidate bundle download: delegates to orchestrator/export when that module exists, else a clear 501.
import type { Response } from 'express';
import type { Store } from '../../orchestrator/store/store.js';
import { HttpError } from './http-error.js';

/** What this route expects orchestrator/export/index to export. */
export interface BundleExporter {
  buildBundle(
    store: Store,
    candidateId: string,
  ): Promise<{ filename: string; contentType?: string; data: Uint8Array | string }>;
}

const CANDIDATES = ['../../orchestrator/export/index.js', '../../orchestrator/export/index.ts'];

/** Imports the exporter at request time, so the web layer works before the export feature lands. */
export async function loadExporter(): Promise<BundleExporter | undefined> {
  for (const rel of CANDIDATES) {
    try {
      const mod = (await import(new URL(rel, import.meta.url).href)) as Partial<BundleExporter>;
      if (typeof mod.buildBundle === 'function') return mod as BundleExporter;
    } catch {
      // not there (yet): try the next form, then answer 501
    }
  }
  return undefined;
}

export async function sendBundle(store: Store, candidateId: string, res: Response): Promise<void> {
  const exporter = await loadExporter();
  if (!exporter)
    throw new HttpError(
      501,
      'not-implemented',
      'bundle export is not available in this installation yet (orchestrator/export/ is missing)',
    );
  const bundle = await exporter.buildBundle(store, candidateId);
  const safeName = bundle.filename.replace(/[^A-Za-z0-9._-]/g, '_');
  res.setHeader('Content-Type', bundle.contentType ?? 'application/gzip');
  res.setHeader('Content-Disposition', `attachment; filename="${safeName}"`);
  res.send(typeof bundle.data === 'string' ? bundle.data : Buffer.from(bundle.data));
}
