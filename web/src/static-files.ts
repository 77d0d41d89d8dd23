// Serves web/public by exact file name from a table read at start-up: no path from a request ever reaches the disk.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { assetPath } from '../../core/paths.js';
import { HttpError } from './http-error.js';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

export const PUBLIC_DIR = assetPath('web', 'public');

/** Loads every regular file directly in `dir` whose type is known. */
export function loadAssets(dir = PUBLIC_DIR): Map<string, { body: Buffer; type: string }> {
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    const full = path.join(dir, name);
    if (type && statSync(full).isFile()) out.set(name, { body: readFileSync(full), type });
  }
  return out;
}

export function staticRouter(dir = PUBLIC_DIR): Router {
  const assets = loadAssets(dir);
  const router = Router();
  router.get('/static/:file', (req, res) => {
    const asset = assets.get(req.params.file);
    if (!asset) throw new HttpError(404, 'not-found', 'no such static file');
    res.setHeader('Content-Type', asset.type);
    res.setHeader('Cache-Control', 'no-cache');
    res.send(asset.body);
  });
  router.get('/favicon.ico', (_req, res) => {
    res.redirect(301, '/static/favicon.svg');
  });
  return router;
}
