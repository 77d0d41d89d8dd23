// The HTML pages: leaderboard, runs, run (and its live fragment), candidate, problems, problem.
import { Router, type Response } from 'express';
import type { Store } from '../../orchestrator/store/store.js';
import { buildCandidateDetail } from './candidate-detail.js';
import type { Html } from './html.js';
import { HttpError } from './http-error.js';
import { buildLeaderboard } from './leaderboard.js';
import {
  compareParams,
  leaderboardParams,
  parseQuery,
  runCandidatesParams,
  runListParams,
} from './params.js';
import { buildCompare } from './compare.js';
import { buildRunCost } from './run-cost.js';
import { comparePage } from './pages/compare.js';
import { runCostPage } from './pages/run-cost.js';
import { buildProblemDetail } from './problem-detail.js';
import { countRuns, findRun, listProblems, listRuns } from './queries.js';
import { NotFoundError } from '../../core/errors.js';
import { resolveIdParam } from './resolve-ref.js';
import { runCandidatesPage } from './run-candidates.js';
import { runCandidatesListPage } from './pages/run-candidates.js';
import { buildRunSummary } from './run-summary.js';
import { candidatePage } from './pages/candidate.js';
import { leaderboardPage } from './pages/leaderboard.js';
import { problemsPage, runsPage } from './pages/lists.js';
import { problemPage } from './pages/problem.js';
import { runBody, runPage } from './pages/run.js';

const send = (res: Response, h: Html): void => {
  res.type('html').send(h.value);
};

export function pagesRouter(store: Store): Router {
  const db = store.db;
  const r = Router();
  resolveIdParam(r, db, { redirect: true });
  r.get('/', (req, res) => {
    // The page shows verdicts measured here only; imported claims are reachable through the API's ?claims=.
    const p = { ...parseQuery(leaderboardParams, req.query), claims: 'verified' as const };
    send(res, leaderboardPage(buildLeaderboard(db, p), p));
  });
  r.get('/runs', (req, res) => {
    const p = parseQuery(runListParams, req.query);
    send(res, runsPage(listRuns(db, p.limit, p.problem, p.page), p, countRuns(db, p.problem)));
  });
  r.get('/runs/:id', (req, res) => {
    const s = buildRunSummary(db, req.params.id);
    send(res, req.query.fragment === '1' ? runBody(s) : runPage(s));
  });
  r.get('/runs/:id/candidates', (req, res) => {
    const run = findRun(db, req.params.id);
    if (!run) throw new NotFoundError(`run "${req.params.id}" not found (see /runs)`);
    const p = parseQuery(runCandidatesParams, req.query);
    send(res, runCandidatesListPage(run, p, runCandidatesPage(db, run.id, p)));
  });
  r.get('/runs/:id/cost', (req, res) => {
    send(res, runCostPage(buildRunCost(db, req.params.id)));
  });
  r.get('/problems/:name/compare', (req, res) => {
    send(res, comparePage(buildCompare(db, req.params.name, parseQuery(compareParams, req.query))));
  });
  r.get('/candidates/:id', (req, res) => {
    send(res, candidatePage(buildCandidateDetail(db, req.params.id)));
  });
  r.get('/problems', (_req, res) => {
    send(res, problemsPage(listProblems(db)));
  });
  r.get('/problems/:name', (req, res) => {
    send(res, problemPage(buildProblemDetail(db, req.params.name)));
  });
  r.use(() => {
    throw new HttpError(404, 'not-found', 'no such page');
  });
  return r;
}
