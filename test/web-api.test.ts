// The web JSON API over a seeded temp database, called in-process on a free loopback port.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Response } from 'express';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../web/src/app.js';
import { sendBundle } from '../web/src/bundle.js';
import { describeError } from '../web/src/http-error.js';
import type { CandidateDetail } from '../web/src/candidate-detail.js';
import type { Leaderboard, LeaderboardEntry } from '../web/src/leaderboard.js';
import type { ProblemDetail } from '../web/src/problem-detail.js';
import type { RunListRow } from '../web/src/queries.js';
import type { RunSummary } from '../web/src/run-summary.js';
import { Store } from '../orchestrator/store/store.js';
import { appendIteration, listen, seedDb, type SeededDb } from './helpers/seed-db.js';

let db: SeededDb;
let server: { url: string; close(): Promise<void> };

beforeEach(async () => {
  db = seedDb();
  server = await listen(createApp({ store: db.store, pollMs: 25 }));
});
afterEach(async () => {
  await server.close();
  db.cleanup();
});

type ApiError = { error: { code: string; message: string } };

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(server.url + path);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return { status: res.status, body: (await res.json()) as T };
}

describe('GET /api/leaderboard', () => {
  it('lists verified results only, best per run, grouped by problem, with cost and hardware', async () => {
    const { status, body } = await getJson<Leaderboard>('/api/leaderboard');
    expect(status).toBe(200);
    expect(body.problems.map((p) => p.name)).toEqual(['eplb', 'matmul-cpu']);
    const matmul = body.problems.find((p) => p.name === 'matmul-cpu')!;
    expect(matmul.entries.map((e: LeaderboardEntry) => e.candidateId)).toEqual([
      db.candidates.runningBest,
      db.candidates.best,
    ]);
    const [gpu, cpu] = matmul.entries;
    expect(gpu).toMatchObject({
      rank: 1,
      speedup: 2.4,
      ciLow: 2.2,
      ciHigh: 2.6,
      hardware: 'NVIDIA H100',
      sandbox: 'docker',
      model: 'qwen3-coder',
      costUsd: 0.5,
    });
    expect(cpu).toMatchObject({
      rank: 2,
      speedup: 1.8,
      hardware: 'AMD EPYC 7763',
      sandbox: 'local',
      runId: db.runs.finished,
    });
    expect(cpu!.costUsd).toBeCloseTo(0.3, 10);
    const eplb = body.problems.find((p) => p.name === 'eplb')!;
    expect(eplb.entries[0]).toMatchObject({
      candidateId: db.candidates.eplbBest,
      speedup: null,
      score: 0.91,
      method: 'deterministic',
    });
  });

  it('never lists a candidate whose verdict was not verified, even per candidate', async () => {
    const { body } = await getJson<Leaderboard>('/api/leaderboard?per=candidate&limit=100');
    const ids = body.problems.flatMap((p) => p.entries.map((e: LeaderboardEntry) => e.candidateId));
    expect(ids).toContain(db.candidates.v1);
    expect(ids).toContain(db.candidates.xss);
    expect(ids).not.toContain(db.candidates.unverified);
    expect(ids).not.toContain(db.candidates.failed);
    expect(ids).not.toContain(db.candidates.seed);
  });

  it('filters by problem, model, sandbox and hardware, and offers their values', async () => {
    const all = (await getJson<Leaderboard>('/api/leaderboard')).body;
    expect(all.facets.hardware).toEqual(expect.arrayContaining(['NVIDIA H100', 'AMD EPYC 7763']));
    expect(all.facets.sandbox).toEqual(['docker', 'local']);
    const ids = (b: Leaderboard): string[] =>
      b.problems.flatMap((p) => p.entries.map((e: LeaderboardEntry) => e.candidateId));
    expect(ids((await getJson<Leaderboard>('/api/leaderboard?hardware=NVIDIA%20H100')).body)).toEqual([
      db.candidates.runningBest,
    ]);
    expect(
      ids((await getJson<Leaderboard>('/api/leaderboard?sandbox=local&problem=matmul-cpu')).body),
    ).toEqual([db.candidates.best]);
    expect(ids((await getJson<Leaderboard>('/api/leaderboard?model=claude-opus-4-1')).body)).toEqual([
      db.candidates.eplbBest,
    ]);
    expect(ids((await getJson<Leaderboard>('/api/leaderboard?model=nobody')).body)).toEqual([]);
  });

  it('sorts by the chosen column and order', async () => {
    const ids = async (q: string): Promise<string[]> =>
      (
        await getJson<Leaderboard>(`/api/leaderboard?problem=matmul-cpu&per=candidate&${q}`)
      ).body.problems[0]!.entries.map((e: LeaderboardEntry) => e.candidateId);
    const c = db.candidates;
    expect(await ids('sort=speedup&order=desc')).toEqual([c.runningBest, c.best, c.v1, c.xss]);
    expect(await ids('sort=speedup&order=asc')).toEqual([c.xss, c.v1, c.best, c.runningBest]);
    expect(await ids('sort=score&order=desc')).toEqual([c.runningBest, c.best, c.xss, c.v1]);
  });

  it('refuses a bad parameter with a 400 that names it', async () => {
    const { status, body } = await getJson<ApiError>('/api/leaderboard?sort=bogus');
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/"sort"/);
  });
});

describe('GET /api/runs/:id', () => {
  it('summarises scores over iterations, occupancy, lineage, spend and throughput', async () => {
    const { status, body } = await getJson<RunSummary>(`/api/runs/${db.runs.finished}`);
    expect(status).toBe(200);
    expect(body.run.status).toBe('finished');
    expect(body.series.best).toEqual([
      [0, 1.0],
      [1, 1.3],
      [2, 1.8],
      [3, 1.9],
    ]);
    // One rule picks the verified best (highest speedup, not highest held-out score: the xss row scores 1.5
    // held-out at 1.1x); the series holds held-out measures only, never on the screen axis.
    expect(body.verifiedBest).toMatchObject({
      candidateId: db.candidates.best,
      speedup: 1.8,
      ciLow: 1.6,
      ciHigh: 2.0,
    });
    expect(body.series.verified.map((p) => p.speedup).sort()).toEqual([1.1, 1.3, 1.8]);
    expect(body.series.verifiedScreen.map((p) => p[2]).sort()).toEqual(
      [db.candidates.best, db.candidates.v1, db.candidates.xss].sort(),
    );
    expect(body.islands).toEqual([
      { island: 0, n: 4, best: 1.8 },
      { island: 1, n: 2, best: 1.9 },
    ]);
    expect(body.counts).toMatchObject({ candidates: 6, verified: 3 });
    expect(body.spend.calls).toBe(6);
    expect(body.spend.cost).toBeCloseTo(0.3, 10);
    expect(body.throughput.evaluated).toBe(6);
    expect(body.state).toMatchObject({ map_elites: { cells: { '1,2': { score: 1.8 } } } });
    const parents = Object.fromEntries(body.lineage.nodes.map((n) => [n.id, n.parent_id]));
    expect(parents[db.candidates.best]).toBe(db.candidates.v1);
    expect(parents[db.candidates.xss]).toBe(db.candidates.best);
    expect(parents[db.candidates.seed]).toBeNull();
    expect(body.lineage.sampled).toBe(false);
    expect(body.lastEventId).toBeGreaterThan(0);
  });

  it('sees new candidates at once, written on this connection or by another process', async () => {
    const first = (await getJson<RunSummary>(`/api/runs/${db.runs.running}`)).body;
    expect(first.counts.candidates).toBe(2);
    appendIteration(db.store, db.runs.running, {
      parentId: db.candidates.runningBest,
      iteration: 2,
      score: 5,
    });
    const second = (await getJson<RunSummary>(`/api/runs/${db.runs.running}`)).body;
    expect(second.counts.candidates).toBe(3);
    expect(second.series.best.at(-1)).toEqual([2, 5]);
    const other = Store.open(db.dbPath);
    try {
      appendIteration(other, db.runs.running, {
        parentId: db.candidates.runningBest,
        iteration: 3,
        score: 6,
      });
    } finally {
      other.close();
    }
    const third = (await getJson<RunSummary>(`/api/runs/${db.runs.running}`)).body;
    expect(third.counts.candidates).toBe(4);
    expect(third.series.best.at(-1)).toEqual([3, 6]);
    expect(third.spend.calls).toBe(3);
  });

  it('samples the lineage and buckets the chart of a long run', async () => {
    let parent = db.candidates.runningBest;
    db.store.transaction(() => {
      for (let i = 2; i < 1000; i++)
        parent = appendIteration(db.store, db.runs.running, {
          parentId: parent,
          iteration: i,
          score: (i * 7919) % 1000,
        });
    });
    const { body } = await getJson<RunSummary>(`/api/runs/${db.runs.running}`);
    expect(body.counts.candidates).toBe(1000);
    expect(body.lineage.sampled).toBe(true);
    expect(body.lineage.nodes.length).toBeLessThanOrEqual(40 * 9);
    const ids = new Set(body.lineage.nodes.map((n) => n.id));
    expect(ids.has(parent)).toBe(true);
    expect(body.series.bucket).toBe(3);
    expect(body.series.points.length).toBeLessThanOrEqual(400);
    expect(body.series.best.at(-1)![1]).toBe(999);
  });

  it('answers 404 for an unknown run', async () => {
    const { status, body } = await getJson<ApiError>('/api/runs/run_nope');
    expect(status).toBe(404);
    expect(body.error.code).toBe('not-found');
  });

  it('lists runs, newest first', async () => {
    const { body } = await getJson<{ runs: RunListRow[] }>('/api/runs');
    expect(body.runs.map((r) => r.id).sort()).toEqual(Object.values(db.runs).sort());
    expect(body.runs.find((r) => r.id === db.runs.finished)!.candidates).toBe(6);
  });
});

describe('GET /api/candidates/:id', () => {
  it('gives the diff against the parent (computed) and against the seed, checks, samples and the transcript', async () => {
    const { body } = await getJson<CandidateDetail>(`/api/candidates/${db.candidates.best}`);
    expect(body.parent!.id).toBe(db.candidates.v1);
    expect(body.seed!.id).toBe(db.candidates.seed);
    expect(body.diffVsParent).toContain('-    bt = list(zip(*b))');
    expect(body.diffVsParent).toContain('+    import numpy as np');
    expect(body.diffVsParent).not.toContain('for k in range(m)');
    expect(body.diffVsSeed).toContain('-            for k in range(m):');
    expect(body.diffVsSeed).toContain('+    import numpy as np');
    expect(body.evaluations[0]!.checks).toContainEqual({ name: 'matches reference', ok: true });
    expect(body.evaluations[0]!.samples).toHaveLength(3);
    expect(body.verdict!.verified).toBe(1);
    const arms = body.verdict!.samples.map((s) => s.arm);
    expect(arms.filter((a: string) => a === 'baseline')).toHaveLength(10);
    expect(arms.filter((a: string) => a === 'candidate')).toHaveLength(10);
    expect(body.llmCalls).toHaveLength(1);
    expect(body.llmCalls[0]!.prompt).toMatchObject({ system: 'You improve matmul.' });
    expect(body.bundleUrl).toBe(`/api/candidates/${db.candidates.best}/bundle`);
  });

  it('keeps a stored patch as the diff against the seed', async () => {
    const { body } = await getJson<CandidateDetail>(`/api/candidates/${db.candidates.eplbBest}`);
    expect(body.diffVsSeed).toContain('+def rebalance_experts(): return 1');
  });

  it('shows the failed evaluation with its reason and stderr tail', async () => {
    const { body } = await getJson<CandidateDetail>(`/api/candidates/${db.candidates.failed}`);
    expect(body.evaluations[0]).toMatchObject({ status: 'failed', reason: 'evaluator exited with code 1' });
    expect(body.evaluations[0]!.stderrTail).toContain('NameError');
  });

  it('downloads the bundle built by orchestrator/export, 404 for an unknown candidate', async () => {
    const res = await fetch(`${server.url}/api/candidates/${db.candidates.best}/bundle`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toContain(`${db.candidates.best}.tar.gz`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const file = path.join(db.dir, 'b.tar.gz');
    writeFileSync(file, bytes);
    const names: string[] = [];
    await tar.t({ file, onReadEntry: (e) => names.push(e.path) });
    expect(names).toEqual(expect.arrayContaining(['patch.diff', 'metadata.json', 'files/matmul.py']));
    expect((await fetch(`${server.url}/api/candidates/cand_nope/bundle`)).status).toBe(404);
  });

  it("passes the exporter's own errors to the error mapper (no blanket 501)", async () => {
    const error = await sendBundle(db.store, 'cand_gone', {} as Response).catch((e: unknown) => e);
    expect(describeError(error)).toMatchObject({ status: 404, code: 'not-found' });
    expect(describeError(error).message).toMatch(/cand_gone/);
  });
});

describe('GET /api/problems', () => {
  it('describes a problem with its seed, evaluator and best verified results', async () => {
    const { body } = await getJson<ProblemDetail>('/api/problems/matmul-cpu');
    expect(body.spec.description).toMatch(/dense matrices/);
    expect(body.seed.from).toBe('store');
    expect(body.seed.files['matmul.py']).toContain('for k in range(m)');
    expect(body.best.map((e: LeaderboardEntry) => e.candidateId)).toEqual([
      db.candidates.runningBest,
      db.candidates.best,
    ]);
    expect(body.runs).toHaveLength(2);
    const list = await getJson<{ problems: { name: string }[] }>('/api/problems');
    expect(list.body.problems.map((p) => p.name)).toEqual(['eplb', 'matmul-cpu']);
    expect((await getJson<ApiError>('/api/problems/nope')).status).toBe(404);
  });
});

describe('GET /api/runs/:id/events (server-sent events)', () => {
  it('streams events appended to the store after the given id', async () => {
    const after = db.store.eventsSince(db.runs.running, 0).at(-1)!.id;
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/runs/${db.runs.running}/events?after=${after}`, {
      signal: ctrl.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const id = db.store.appendEvent(db.runs.running, 'best:improved', {
      runId: db.runs.running,
      candidateId: 'c',
      score: 3,
      iteration: 9,
    });
    let text = '';
    while (!text.includes('best:improved')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ctrl.abort();
    expect(text).toContain(`id: ${id}\n`);
    const data = JSON.parse(/data: (.*)\n/.exec(text.slice(text.indexOf(`id: ${id}`)))![1]!);
    expect(data).toMatchObject({ id, type: 'best:improved', payload: { score: 3, iteration: 9 } });
    expect(text).not.toContain('run:start');
  });
});

describe('MAP-Elites view of adrs run state', () => {
  it('reads per-island grids from state.population and shades cells by program score', async () => {
    const { islandGrids, mapElitesView } = await import('../web/src/views/population.js');
    const state = {
      population: {
        programs: {
          a: { score: 1, features: { complexity: 10, diversity: 2 } },
          b: { score: 3, features: { complexity: 30, diversity: 5 } },
        },
        islands: [{ grid: { '0,1': 'a', '2,3': 'b' } }, { grid: {} }],
      },
    };
    const axes = ['complexity', 'diversity'];
    expect(islandGrids(state)).toEqual([
      {
        island: 0,
        cells: [
          { coords: [0, 1], score: 1, id: 'a' },
          { coords: [2, 3], score: 3, id: 'b' },
        ],
        axes,
      },
      { island: 1, cells: [], axes },
    ]);
    const page = String(mapElitesView(state));
    expect(page).toContain('island 0: 2 cells');
    // Labelled axes, and each cell links to its elite.
    expect(page).toContain('complexity →');
    expect(page).toContain('diversity →');
    expect(page).toContain('href="/candidates/b"');
    expect(page).toContain('island 1: 0 cells');
    expect(islandGrids({ population: { islands: 'x' } })).toBeUndefined();
  });
});

describe('hardware labels', () => {
  it("reads adrs's fingerprint: the GPU when there is one, else the CPU model and count", async () => {
    const { hardwareLabel } = await import('../web/src/views/fingerprint.js');
    expect(hardwareLabel({ gpu: 'none', cpu: { model: 'AMD EPYC', count: 2, arch: 'x64' } })).toBe(
      'AMD EPYC (2 CPUs)',
    );
    expect(
      hardwareLabel({
        gpu: { model: 'NVIDIA H100', driver: '570', count: 1 },
        cpu: { model: 'x', count: 16 },
      }),
    ).toBe('NVIDIA H100');
    expect(hardwareLabel({ gpu: { model: 'NVIDIA A100', driver: '570', count: 8 } })).toBe('8× NVIDIA A100');
  });
});
