import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, resolveDbPath } from '../orchestrator/store/store.js';

function tempStore(): Store {
  return Store.open(path.join(mkdtempSync(path.join(tmpdir(), 'adrs-db-')), 'nested', 'adrs.db'));
}

describe('store', () => {
  it('creates the file in WAL mode and applies migrations once', () => {
    const s = tempStore();
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = s.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
    expect(versions.map((v) => v.version)).toContain(1);
    const file = s.path;
    s.close();
    const again = Store.open(file);
    expect((again.db.prepare('SELECT count(*) n FROM schema_migrations').get() as { n: number }).n).toBe(
      versions.length,
    );
    again.close();
  });

  it('stores runs, candidates, evaluations with raw samples, and verdicts', () => {
    const s = tempStore();
    const run = s.createRun({
      problemName: 'p',
      problemHash: 'h',
      strategy: 'evolve',
      sandbox: 'local',
      config: { a: 1 },
    });
    const seed = s.insertCandidate({
      runId: run.id,
      problemName: 'p',
      problemHash: 'h',
      files: { 'a.py': 'x' },
    });
    const child = s.insertCandidate({
      runId: run.id,
      problemName: 'p',
      problemHash: 'h',
      files: { 'a.py': 'y' },
      parentId: seed.id,
    });
    const ev = s.insertEvaluation({
      candidateId: child.id,
      stage: 'screen',
      status: 'ok',
      correct: true,
      score: 2,
      durationMs: 12.4,
      sandbox: 'local',
      timings: { kernel: [0.3, 0.1, 0.2] },
    });
    expect(s.samplesForEvaluation(ev.id).map((r) => r.value)).toEqual([0.3, 0.1, 0.2]);
    const v = s.insertVerdict({
      candidateId: child.id,
      baselineCandidateId: seed.id,
      verified: true,
      correct: true,
      speedup: 1.5,
      ciLow: 1.2,
      ciHigh: 1.8,
      method: 'bootstrap-ratio-of-medians',
      reason: 'ok',
      fingerprint: { cpu: 'x' },
      samples: [
        { arm: 'baseline', key: 'kernel', seq: 0, value: 0.3 },
        { arm: 'candidate', key: 'kernel', seq: 1, value: 0.2 },
      ],
    });
    expect(s.samplesForVerdict(v.id)).toHaveLength(2);
    expect(s.getCandidate(child.id).verified).toBe(1);
    expect(s.bestVerified('p').map((r) => r.candidate_id)).toEqual([child.id]);
    expect(s.bestVerified('other')).toEqual([]);
    s.close();
  });

  it('resolves the database path from the flag, then ADRS_DB, then the default', () => {
    expect(resolveDbPath('x.db', { ADRS_DB: 'y.db' }, '/w')).toBe('/w/x.db');
    expect(resolveDbPath(undefined, { ADRS_DB: 'y.db' }, '/w')).toBe('/w/y.db');
    expect(resolveDbPath(undefined, {}, '/w')).toBe('/w/.adrs/adrs.db');
  });
});
