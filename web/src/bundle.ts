// The candidate bundle download: built by orchestrator/export when that module is installed, else a clear 501.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Response } from 'express';
import { assetPath } from '../../core/paths.js';
import type { Store } from '../../orchestrator/store/store.js';
import { HttpError } from './http-error.js';

/** The two functions of orchestrator/export that a bundle needs. */
export interface BundleExporter {
  collectBundle(store: Store, candidateId: string, platformVersion: string): unknown;
  writeBundle(contents: never, outFile: string): Promise<string[]>;
}

export const EXPORT_DIR = new URL('../../orchestrator/export/', import.meta.url);

/** Imports a module by URL, as compiled (.js) or from sources (.ts, under tsx or vitest). */
async function importEither(base: URL, name: string): Promise<Record<string, unknown> | undefined> {
  for (const ext of ['.js', '.ts']) {
    try {
      return (await import(new URL(name + ext, base).href)) as Record<string, unknown>;
    } catch {
      // not there in this form: try the next, then give up
    }
  }
  return undefined;
}

/** Imports the exporter at request time, so the web layer works with or without the export feature. */
export async function loadExporter(base: URL = EXPORT_DIR): Promise<BundleExporter | undefined> {
  const contents = await importEither(base, 'bundle-contents');
  const archive = await importEither(base, 'bundle-archive');
  if (typeof contents?.collectBundle !== 'function' || typeof archive?.writeBundle !== 'function')
    return undefined;
  return {
    collectBundle: contents.collectBundle as BundleExporter['collectBundle'],
    writeBundle: archive.writeBundle as BundleExporter['writeBundle'],
  };
}

function platformVersion(): string {
  try {
    return (
      (JSON.parse(readFileSync(assetPath('package.json'), 'utf8')) as { version?: string }).version ?? '0'
    );
  } catch {
    return '0';
  }
}

export async function sendBundle(
  store: Store,
  candidateId: string,
  res: Response,
  exporter: BundleExporter | undefined,
): Promise<void> {
  if (!exporter)
    throw new HttpError(
      501,
      'not-implemented',
      'bundle export is not available in this installation (orchestrator/export/ is missing)',
    );
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-web-bundle-'));
  try {
    const name = `${candidateId.replace(/[^A-Za-z0-9._-]/g, '_')}.tar.gz`;
    const file = path.join(dir, name);
    await exporter.writeBundle(exporter.collectBundle(store, candidateId, platformVersion()) as never, file);
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.send(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
