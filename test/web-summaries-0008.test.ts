// The writer-kept summaries of migration 0008 stay equal to what they summarise (LLM spend per run, MAP-Elites
// cell holders), and the verdicts change counter moves on exactly the writes the leaderboard depends on, so the
// kept leaderboard is never stale: a new verdict shows at once, a new LLM call's cost too.
import { describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { buildLeaderboard } from '../web/src/leaderboard.js';
import { leaderboardParams, parseQuery } from '../web/src/params.js';
import { populationCells, runSpend, verdictsVersion } from '../web/src/queries.js';

function randomSeq(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const newRun = (store: Store, id: string) =>
  store.createRun({
    id,
    problemName: 'p',
    problemHash: 'h',
    strategy: 'evolve',
    sandbox: 'local',
    config: {},
  }).id;

describe('web summaries (migration 0008)', () => {
  for (const seed of [1, 2])
    it(`LLM spend per run equals the sums over its calls after random inserts, updates and deletes (seed ${seed})`, () => {
      const store = Store.open(':memory:');
      const rand = randomSeq(seed);
      const runs = [newRun(store, 'run_a'), newRun(store, 'run_b')];
      const calls: number[] = [];
      for (let i = 0; i < 400; i++) {
        const r = rand();
        if (r < 0.7 || calls.length === 0) {
          calls.push(
            store.insertLlmCall({
              runId: rand() < 0.1 ? null : runs[Math.floor(rand() * 2)]!,
              provider: 'anthropic',
              model: rand() < 0.5 ? 'm1' : 'm2',
              status: rand() < 0.2 ? 'error' : 'ok',
              inputTokens: Math.floor(rand() * 1000),
              outputTokens: Math.floor(rand() * 100),
              cacheReadTokens: Math.floor(rand() * 50),
              costUsd: rand() / 10,
              latencyMs: Math.floor(rand() * 5000),
              prompt: [],
            }).id,
          );
        } else if (r < 0.85) {
          const id = calls[Math.floor(rand() * calls.length)]!;
          // Cost corrected, or the call moved to the other run (nothing does either today; the triggers must hold).
          if (rand() < 0.5)
            store.db
              .prepare('UPDATE llm_calls SET cost_usd = ?, status = ? WHERE id = ?')
              .run(rand(), 'ok', id);
          else
            store.db
              .prepare('UPDATE llm_calls SET run_id = ? WHERE id = ?')
              .run(runs[Math.floor(rand() * 2)], id);
        } else {
          const at = Math.floor(rand() * calls.length);
          store.db.prepare('DELETE FROM llm_calls WHERE id = ?').run(calls[at]);
          calls.splice(at, 1);
        }
      }
      for (const runId of runs) {
        const direct = store.db
          .prepare(
            `SELECT COUNT(*) AS calls, COALESCE(SUM(status <> 'ok'), 0) AS errors, COALESCE(SUM(cost_usd), 0) AS cost,
               COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
               COALESCE(SUM(latency_ms), 0) AS latency_ms, COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens
             FROM llm_calls WHERE run_id = ?`,
          )
          .get(runId) as Record<string, number>;
        const kept = runSpend(store.db, runId);
        expect(direct.calls).toBeGreaterThan(50);
        for (const k of Object.keys(direct))
          expect(kept[k as keyof typeof kept], k).toBeCloseTo(direct[k]!, 9);
      }
      store.close();
    });

  it('MAP-Elites cell holders equal the window query over the population rows (ties: the first placed)', () => {
    const store = Store.open(':memory:');
    const rand = randomSeq(7);
    const runs = [newRun(store, 'run_a'), newRun(store, 'run_b')];
    const ins = store.db.prepare(
      `INSERT INTO population_programs (run_id, seq, candidate_id, is_seed, island, cell, score, correct, parent_id,
         iteration, generation, code_hash, features_json) VALUES (?, ?, ?, 0, ?, ?, ?, 1, NULL, ?, 0, 'h', '{}')`,
    );
    for (const runId of runs)
      for (let seq = 0; seq < 500; seq++)
        ins.run(
          runId,
          seq,
          `${runId}_c${seq}`,
          Math.floor(rand() * 2),
          rand() < 0.1 ? null : `${Math.floor(rand() * 4)},${Math.floor(rand() * 4)}`,
          // Few distinct scores (ties), some unscored.
          rand() < 0.1 ? null : Math.floor(rand() * 5),
          seq,
        );
    for (const runId of runs) {
      const direct = store.db
        .prepare(
          `SELECT island, cell, candidate_id, score, features_json FROM (
             SELECT island, cell, candidate_id, score, features_json,
                    ROW_NUMBER() OVER (PARTITION BY island, cell ORDER BY score IS NULL, score DESC, seq) AS k
             FROM population_programs WHERE run_id = ? AND cell IS NOT NULL)
           WHERE k = 1 ORDER BY island, cell`,
        )
        .all(runId);
      expect(direct.length).toBeGreaterThan(20);
      expect(populationCells(store.db, runId)).toEqual(direct);
    }
    store.close();
  });

  it('the verdicts counter moves on verdicts and what the leaderboard reads, not on a live run’s other writes', () => {
    const store = Store.open(':memory:');
    const runId = newRun(store, 'run_a');
    const v0 = verdictsVersion(store.db);
    const c = store.insertCandidate({
      runId,
      problemName: 'p',
      problemHash: 'h',
      iteration: 1,
      files: {},
    }).id;
    store.updateCandidate(c, { status: 'evaluated', score: 2, correct: true });
    store.appendEvent(runId, 'candidate:evaluated', { candidateId: c });
    store.insertLlmCall({
      runId,
      candidateId: c,
      provider: 'x',
      model: 'm',
      status: 'ok',
      costUsd: 0.5,
      prompt: [],
    });
    store.updateRun(runId, { iterationsDone: 1, spentUsd: 0.5, state: { version: 2 } });
    expect(verdictsVersion(store.db)).toBe(v0);
    const board = () => buildLeaderboard(store.db, parseQuery(leaderboardParams, {}));
    expect(board().problems).toEqual([]);
    store.insertVerdict({
      candidateId: c,
      verified: true,
      correct: true,
      speedup: 2,
      ciLow: 1.8,
      ciHigh: 2.2,
      method: 'bootstrap-ratio-of-medians',
      score: 2,
      reason: 'test',
      fingerprint: {},
    });
    expect(verdictsVersion(store.db)).toBeGreaterThan(v0);
    const first = board().problems[0]!.entries[0]!;
    expect(first).toMatchObject({ candidateId: c, speedup: 2, costUsd: 0.5 });
    // Another LLM call of the run: the verdicts are kept, the cost is fresh.
    const v1 = verdictsVersion(store.db);
    store.insertLlmCall({ runId, provider: 'x', model: 'm', status: 'ok', costUsd: 0.25, prompt: [] });
    expect(verdictsVersion(store.db)).toBe(v1);
    expect(board().problems[0]!.entries[0]!.costUsd).toBeCloseTo(0.75, 9);
    // A claim downgrade (an UPDATE of verdicts) and a run's strategy change both move the counter.
    store.db.prepare('UPDATE verdicts SET verified = 0 WHERE candidate_id = ?').run(c);
    expect(verdictsVersion(store.db)).toBeGreaterThan(v1);
    expect(board().problems).toEqual([]);
    const v2 = verdictsVersion(store.db);
    store.db.prepare("UPDATE runs SET strategy = 'tune' WHERE id = ?").run(runId);
    expect(verdictsVersion(store.db)).toBeGreaterThan(v2);
    store.close();
  });
});
