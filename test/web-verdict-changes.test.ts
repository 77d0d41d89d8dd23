// Migration 0010's log of changed verified results: the rows the web keeps and patches per changed candidate
// (web/src/verified-rows.ts) always equal a fresh read of every verified verdict, after random verdicts, claim
// downgrades, claims, label changes and deletes; and a new verdict re-reads only its own candidate's row.
import { describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { verifiedVerdicts, type ClaimsFilter, type VerifiedRow } from '../web/src/queries.js';
import { keptVerified } from '../web/src/verified-rows.js';
import { compareVerified, verifiedOfRun, type VerifiedOfRun } from '../orchestrator/store/verified-best.js';

/** The leaderboard's kept list of every verified verdict (rows as read). */
const keptVerifiedRows = (store: Store, claims: ClaimsFilter): readonly VerifiedRow[] =>
  keptVerified(store.db, `t:${claims}`, {
    all: () => verifiedVerdicts(store.db, undefined, claims),
    some: (ids) => verifiedVerdicts(store.db, undefined, claims, ids),
    candidateOf: (v) => v.candidate_id,
  });

/** The run page's kept list of a run's verified candidates, best first by the one rule. */
const keptOfRun = (store: Store, runId: string): readonly VerifiedOfRun[] =>
  keptVerified(store.db, `run:${runId}`, {
    all: () => verifiedOfRun(store.db, runId),
    some: (ids) => verifiedOfRun(store.db, runId, -1, ids),
    candidateOf: (v) => v.candidate_id,
    order: (a, b) =>
      compareVerified({ speedup: a.speedup, score: a.score }, { speedup: b.speedup, score: b.score }) ||
      a.id - b.id,
  });

function randomSeq(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const byVerdict = (rows: readonly VerifiedRow[]): VerifiedRow[] =>
  [...rows].sort((a, b) => a.verdict_id - b.verdict_id);

function setup(): { store: Store; runs: string[]; cands: string[] } {
  const store = Store.open(':memory:');
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
  const cands: string[] = [];
  for (let i = 0; i < 30; i++)
    cands.push(
      store.insertCandidate({
        runId: runs[i % 2]!,
        problemName: 'p',
        problemHash: 'h',
        iteration: i,
        files: {},
      }).id,
    );
  return { store, runs, cands };
}

function verdict(store: Store, candidateId: string, verified: boolean, speedup: number): number {
  return store.insertVerdict({
    candidateId,
    verified,
    correct: true,
    speedup,
    ciLow: speedup * 0.9,
    ciHigh: speedup * 1.1,
    method: 'bootstrap-ratio-of-medians',
    score: speedup,
    reason: 'test',
    fingerprint: { sandbox: 'local' },
  }).id;
}

const claim = (store: Store, candidateId: string, claimedVerified: boolean): void => {
  store.db
    .prepare(
      `INSERT INTO verdicts (candidate_id, verified, correct, speedup, method, score, reason, fingerprint_json,
         created_at, claimed_by, claimed_verified) VALUES (?, 0, 1, 1.5, 'bootstrap-ratio-of-medians', 1.5, 'claim',
         '{}', ?, 'claimant', ?)`,
    )
    .run(candidateId, new Date().toISOString(), claimedVerified ? 1 : 0);
};

describe('kept verified rows (migration 0010)', () => {
  for (const claims of ['verified', 'include', 'only'] as ClaimsFilter[])
    for (const seed of [1, 2, 3])
      it(`equal a fresh read after every random change (claims ${claims}, seed ${seed})`, () => {
        const { store, runs, cands } = setup();
        const rand = randomSeq(seed);
        const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
        const verdicts: number[] = [];
        let patched = 0;
        for (let step = 0; step < 300; step++) {
          const r = rand();
          if (r < 0.45 || verdicts.length === 0)
            verdicts.push(verdict(store, pick(cands), rand() < 0.6, 1 + rand()));
          else if (r < 0.6)
            store.db.prepare('UPDATE verdicts SET verified = 1 - verified WHERE id = ?').run(pick(verdicts));
          else if (r < 0.7) claim(store, pick(cands), rand() < 0.7);
          else if (r < 0.78) {
            const id = verdicts.splice(Math.floor(rand() * verdicts.length), 1)[0]!;
            store.db.prepare('DELETE FROM samples WHERE verdict_id = ?').run(id);
            store.db.prepare('DELETE FROM verdicts WHERE id = ?').run(id);
          } else if (r < 0.88) store.updateCandidate(pick(cands), { verified: rand() < 0.5 });
          else if (r < 0.95)
            store.db.prepare('UPDATE candidates SET model = ? WHERE id = ?').run(`m${step}`, pick(cands));
          else store.db.prepare('UPDATE runs SET strategy = ? WHERE id = ?').run(`s${step}`, pick(runs));
          // Sometimes several changes land between two reads.
          if (rand() < 0.3) continue;
          const before = keptVerifiedRows(store, claims);
          const fresh = verifiedVerdicts(store.db, undefined, claims);
          expect(byVerdict(before)).toEqual(byVerdict(fresh));
          const again = keptVerifiedRows(store, claims);
          expect(again).toBe(before); // nothing changed: the same list, nothing read
          // A run's list, best first, equals the direct ordered read (another run's change leaves it as it was).
          for (const run of runs) expect(keptOfRun(store, run)).toEqual(verifiedOfRun(store.db, run));
          if (r < 0.45) patched++;
        }
        expect(patched).toBeGreaterThan(50);
        store.close();
      });

  it('a new verdict re-reads its own candidate only; a run label change reads everything again', () => {
    const { store, runs, cands } = setup();
    for (const c of cands.slice(0, 10)) verdict(store, c, true, 1.5);
    const first = keptVerifiedRows(store, 'verified');
    expect(first).toHaveLength(10);
    verdict(store, cands[3]!, true, 2.5);
    verdict(store, cands[20]!, true, 1.2);
    const second = keptVerifiedRows(store, 'verified');
    expect(second).toHaveLength(11);
    const of = (rows: readonly VerifiedRow[], c: string) => rows.find((r) => r.candidate_id === c);
    // Untouched candidates keep the very row objects read before; the two changed ones are new.
    expect(of(second, cands[0]!)).toBe(of(first, cands[0]!));
    expect(of(second, cands[3]!)).not.toBe(of(first, cands[3]!));
    expect(of(second, cands[3]!)?.speedup).toBe(2.5);
    expect(of(second, cands[20]!)?.speedup).toBe(1.2);
    // A run's kept list: run_b's stays the same array when only run_a's candidates change.
    const runB = keptOfRun(store, runs[1]!);
    verdict(store, cands[4]!, true, 3); // cands[4] is run_a's
    expect(keptOfRun(store, runs[1]!)).toBe(runB);
    expect(keptOfRun(store, runs[0]!)[0]?.candidate_id).toBe(cands[4]);
    store.db.prepare("UPDATE runs SET strategy = 'tune' WHERE id = ?").run(runs[0]);
    const third = keptVerifiedRows(store, 'verified');
    expect(of(third, cands[1]!)).not.toBe(of(second, cands[1]!));
    expect(of(third, cands[0]!)?.strategy).toBe('tune');
    store.close();
  });
});
