// Routes take a run or candidate id as a unique prefix (the short ids the pages show): pages redirect to the
// full id, the API answers for it; an ambiguous prefix is a 400 naming the matches.
import type { Router } from 'express';
import type Database from 'better-sqlite3';
import { resolveIdPrefix } from '../../orchestrator/store/id-prefix.js';

/** Installs an `:id` resolver on a router whose routes start with /runs, /candidates, /api/runs or /api/candidates. */
export function resolveIdParam(r: Router, db: Database.Database, opts: { redirect: boolean }): void {
  r.param('id', (req, res, next, raw: string) => {
    const table = /^\/(api\/)?runs\//.test(req.path) ? 'runs' : 'candidates';
    const id = resolveIdPrefix(db, table, raw);
    if (id !== raw && opts.redirect) {
      const at = req.originalUrl.indexOf('?');
      const query = at < 0 ? '' : req.originalUrl.slice(at);
      const prefix = `/${table}/`;
      res.redirect(302, prefix + encodeURIComponent(id) + req.path.slice(prefix.length + raw.length) + query);
      return;
    }
    req.params.id = id;
    next();
  });
}
