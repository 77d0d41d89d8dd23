// The JSON API (GET only): leaderboard, runs, run events (SSE), candidates, bundles, problems.
import { Router } from 'express';
import type { Store } from '../../orchestrator/store/store.js';
import { NotFoundError } from '../../core/errors.js';
import { sendBundle } from './bundle.js';
import { buildCandidateDetail } from './candidate-detail.js';
import { HttpError } from './http-error.js';
import { buildLeaderboard } from './leaderboard.js';
import { leaderboardParams, parseQuery, runListParams } from './params.js';
import { buildProblemDetail } from './problem-detail.js';
import { countRuns, findCandidate, findRun, listProblems, listRuns } from './queries.js';
import { buildRunSummary } from './run-summary.js';
import { resolveIdParam } from './resolve-ref.js';
import { runCandidatesPage } from './run-candidates.js';
import { runCandidatesParams } from './params.js';
import { streamRunEvents } from './sse.js';
import { buildCompare } from './compare.js';
import { buildRunCost } from './run-cost.js';
import { compareParams } from './params.js';

export function apiRouter(store: Store, opts: { pollMs: number }): Router {
  const db = store.db;
  const r = Router();
  resolveIdParam(r, db, { redirect: false });
  r.get('/api/leaderboard', (req, res) => {
    res.json(buildLeaderboard(db, parseQuery(leaderboardParams, req.query)));
  });
  r.get('/api/runs', (req, res) => {
    const p = parseQuery(runListParams, req.query);
    res.json({
      runs: listRuns(db, p.limit, p.problem, p.page),
      total: countRuns(db, p.problem),
      page: p.page,
    });
  });
  r.get('/api/runs/:id', (req, res) => {
    res.json(buildRunSummary(db, req.params.id));
  });
  r.get('/api/runs/:id/candidates', (req, res) => {
    if (!findRun(db, req.params.id)) throw new NotFoundError(`run "${req.params.id}" not found`);
    const p = parseQuery(runCandidatesParams, req.query);
    res.json({ ...p, ...runCandidatesPage(db, req.params.id, p) });
  });
  r.get('/api/runs/:id/cost', (req, res) => {
    res.json(buildRunCost(db, req.params.id));
  });
  r.get('/api/problems/:name/compare', (req, res) => {
    res.json(buildCompare(db, req.params.name, parseQuery(compareParams, req.query)));
  });
  r.get('/api/runs/:id/events', (req, res) => {
    streamRunEvents(db, req, res, { pollMs: opts.pollMs });
  });
  r.get('/api/candidates/:id', (req, res) => {
    res.json(buildCandidateDetail(db, req.params.id));
  });
  r.get('/api/candidates/:id/bundle', async (req, res) => {
    if (!findCandidate(db, req.params.id)) throw new NotFoundError(`candidate "${req.params.id}" not found`);
    await sendBundle(store, req.params.id, res);
  });
  r.get('/api/problems', (_req, res) => {
    res.json({ problems: listProblems(db) });
  });
  r.get('/api/problems/:name', (req, res) => {
    res.json(buildProblemDetail(db, req.params.name));
  });
  r.use('/api', () => {
    throw new HttpError(404, 'not-found', 'no such API endpoint (see README, "adrs serve")');
  });
  return r;
}
