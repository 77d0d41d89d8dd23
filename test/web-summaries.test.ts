// The writer-kept summaries of migration 0006 stay equal to what they summarise, through every kind of write
// (inserts, status/score/verified updates, deletes), for random sequences; and the one verified-best rule and
// the id-prefix resolver behave as the UI and CLI rely on.
import { describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { resolveIdPrefix } from '../orchestrator/store/id-prefix.js';
import { compareVerified, verifiedBestOfRun } from '../orchestrator/store/verified-best.js';
import { runGroups, scorePoints } from '../web/src/queries.js';

function randomSeq(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const sortRows = <T>(rows: T[]): T[] =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('web summaries (migration 0006)', () => {
  for (const seed of [1, 2, 3])
    it(`match a GROUP BY over the candidates after random writes (seed ${seed})`, () => {
      const store = Store.open(':memory:');
      const rand = randomSeq(seed);
      const runs = ['run_a', 'run_b'].map(
        (id) =>
          store.createRun({
            id,
            problemName: 'p',
            problemHash: 'h',
            strategy: 'evolve',
            sandbox: 'local',
            config: {},
          }).id,
      );
      const ids: string[] = [];
      for (let i = 0; i < 600; i++) {
        const r = rand();
        if (r < 0.55 || ids.length === 0) {
          const runId = runs[Math.floor(rand() * 2)]!;
          const c = store.insertCandidate({
            runId,
            problemName: 'p',
            problemHash: 'h',
            island: rand() < 0.2 ? null : Math.floor(rand() * 3),
            iteration: Math.floor(rand() * 400),
            files: { 'a.py': String(i) },
            status: 'pending',
          });
          ids.push(c.id);
        } else if (r < 0.9) {
          const id = ids[Math.floor(rand() * ids.length)]!;
          const failed = rand() < 0.2;
          store.updateCandidate(id, {
            status: failed ? 'failed' : 'evaluated',
            ...(failed ? {} : { score: rand() * 10 }),
            correct: failed ? false : rand() < 0.8,
            ...(rand() < 0.1 ? { verified: true } : {}),
          });
        } else {
          const id = ids.splice(Math.floor(rand() * ids.length), 1)[0]!;
          store.db.prepare('DELETE FROM candidates WHERE id = ?').run(id);
        }
      }
      for (const runId of runs) {
        const truth = store.db
          .prepare(
            `SELECT status, island, COUNT(*) AS n, SUM(verified) AS verified,
               COALESCE(SUM(correct = 1), 0) AS correct, MAX(score) AS best
             FROM candidates WHERE run_id = ? GROUP BY status, island`,
          )
          .all(runId);
        expect(sortRows(runGroups(store.db, runId))).toEqual(sortRows(truth));
      }
      store.close();
    });

  it('the chart of a long run, folded from 64-iteration blocks, equals the direct query', () => {
    const store = Store.open(':memory:');
    const runId = store.createRun({
      problemName: 'p',
      problemHash: 'h',
      strategy: 'evolve',
      sandbox: 'local',
      config: {},
    }).id;
    const rand = randomSeq(9);
    store.transaction(() => {
      for (let i = 0; i < 12_000; i++) {
        const c = store.insertCandidate({
          runId,
          problemName: 'p',
          problemHash: 'h',
          iteration: i,
          files: {},
        });
        if (rand() < 0.9) store.updateCandidate(c.id, { status: 'evaluated', score: rand() * 100 + i / 100 });
      }
    });
    const direct = store.db
      .prepare(
        `SELECT iteration, MAX(score), id FROM candidates WHERE run_id = ? AND score IS NOT NULL
         GROUP BY iteration / 128 ORDER BY iteration`,
      )
      .raw()
      .all(runId);
    expect(scorePoints(store.db, runId, 128)).toEqual(direct);
    store.close();
  });
});

describe('one verified-best rule', () => {
  it('orders by speedup (a measured one beats none), then held-out score', () => {
    const rows = [
      { speedup: null, score: 9 },
      { speedup: 1.2, score: 1 },
      { speedup: 1.5, score: 0.5 },
      { speedup: 1.5, score: 0.7 },
    ];
    expect([...rows].sort(compareVerified)).toEqual([rows[3], rows[2], rows[1], rows[0]]);
  });

  it('picks from the latest verified verdict of each candidate, the earlier verdict on a tie', () => {
    const store = Store.open(':memory:');
    const runId = store.createRun({
      problemName: 'p',
      problemHash: 'h',
      strategy: 'evolve',
      sandbox: 'local',
      config: {},
    }).id;
    const mk = () =>
      store.insertCandidate({ runId, problemName: 'p', problemHash: 'h', iteration: 1, files: {} }).id;
    const [a, b, c] = [mk(), mk(), mk()];
    const v = (candidateId: string, speedup: number, score: number) =>
      store.insertVerdict({
        candidateId,
        verified: true,
        correct: true,
        speedup,
        ciLow: speedup - 0.1,
        ciHigh: speedup + 0.1,
        method: 'bootstrap-ratio-of-medians',
        score,
        reason: 'test',
        fingerprint: {},
      });
    v(a, 2.0, 1);
    v(b, 3.0, 0.1); // a lower held-out score, a higher speedup: b wins
    v(c, 3.0, 0.1); // ties b: the earlier verdict (b) stays
    expect(verifiedBestOfRun(store.db, runId)?.candidate_id).toBe(b);
    v(b, 1.0, 0.1); // b re-verified slower: its latest verified verdict counts
    expect(verifiedBestOfRun(store.db, runId)?.candidate_id).toBe(c);
    store.close();
  });
});

describe('id prefixes', () => {
  it('resolves a unique prefix, refuses an ambiguous one naming the matches, and an unknown one', () => {
    const store = Store.open(':memory:');
    for (const id of ['cand_abc111', 'cand_abc222', 'cand_ffe000'])
      store.insertCandidate({ id, problemName: 'p', problemHash: 'h', files: {} });
    expect(resolveIdPrefix(store.db, 'candidates', 'cand_ff')).toBe('cand_ffe000');
    expect(resolveIdPrefix(store.db, 'candidates', 'cand_abc111')).toBe('cand_abc111');
    expect(() => resolveIdPrefix(store.db, 'candidates', 'cand_abc')).toThrow(
      /"cand_abc" is ambiguous.*cand_abc111, cand_abc222/,
    );
    expect(() => resolveIdPrefix(store.db, 'candidates', 'cand_9')).toThrow(/not found/);
    // LIKE-style wildcards are plain characters here.
    expect(() => resolveIdPrefix(store.db, 'candidates', 'cand_%')).toThrow(/not found/);
    store.close();
  });
});

describe('leaderboard ties', () => {
  it('marks an entry whose interval overlaps the one above, which shares its rank', async () => {
    const { buildLeaderboard } = await import('../web/src/leaderboard.js');
    const { leaderboardParams } = await import('../web/src/params.js');
    const store = Store.open(':memory:');
    const runId = store.createRun({
      problemName: 'p',
      problemHash: 'h',
      strategy: 'evolve',
      sandbox: 'local',
      config: {},
    }).id;
    const add = (speedup: number, lo: number, hi: number) => {
      const id = store.insertCandidate({ runId, problemName: 'p', problemHash: 'h', files: {} }).id;
      store.insertVerdict({
        candidateId: id,
        verified: true,
        correct: true,
        speedup,
        ciLow: lo,
        ciHigh: hi,
        method: 'bootstrap-ratio-of-medians',
        score: speedup,
        reason: 't',
        fingerprint: {},
      });
    };
    add(3.0, 2.8, 3.2);
    add(2.9, 2.7, 3.1); // overlaps 3.0's interval: a tie
    add(2.0, 1.9, 2.1); // clear of 2.9's interval
    add(1.95, 1.8, 2.05); // overlaps 2.0's
    const board = buildLeaderboard(store.db, leaderboardParams.parse({ per: 'candidate' }));
    const rows = board.problems[0]!.entries.map((e) => [e.rank, e.tie, e.speedup]);
    expect(rows).toEqual([
      [1, false, 3.0],
      [1, true, 2.9],
      [3, false, 2.0],
      [3, true, 1.95],
    ]);
    expect(board.facets.strategy).toEqual(['evolve']);
    store.close();
  });
});
