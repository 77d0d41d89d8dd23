// The web app factory: createApp({ store, token }) returns an express app (no listen), read-only over the store.
import express, { type Express } from 'express';
import type { Store } from '../../orchestrator/store/store.js';
import { apiRouter } from './api.js';
import { requireToken } from './auth.js';
import { errorHandler } from './http-error.js';
import { pagesRouter } from './pages-router.js';
import { readOnly, securityHeaders } from './security.js';
import { staticRouter } from './static-files.js';

export interface AppOptions {
  store: Store;
  /** When set, every request must carry it (Bearer header, or ?token= once, then a cookie). */
  token?: string;
  /** How often the live event stream polls the events table, in ms (default 1000). */
  pollMs?: number;
}

/**
 * @example
 * const app = createApp({ store: Store.open('.adrs/adrs.db') });
 * app.listen(8470, '127.0.0.1');
 */
export function createApp(opts: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(securityHeaders);
  app.use(readOnly);
  if (opts.token !== undefined) app.use(requireToken(opts.token));
  app.use(staticRouter());
  app.use(apiRouter(opts.store, { pollMs: opts.pollMs ?? 1000 }));
  app.use(pagesRouter(opts.store));
  app.use(errorHandler);
  return app;
}
