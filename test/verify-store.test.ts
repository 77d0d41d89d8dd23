// Verdicts end to end: deterministic problems, failures as verdicts, the fingerprint, and storage via store.insertVerdict.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentFingerprint, hostFingerprint } from '../evaluators/fingerprint.js';
import { verifyCandidate } from '../evaluators/verify.js';
import type { NewVerdict } from '../orchestrator/store/types.js';
import { Store } from '../orchestrator/store/store.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import {
  FIXTURE,
  makeFixture,
  valueWorkspace,
  verifyOptions,
  type Fixture,
} from './fixtures/gaming/fixture.js';

const sandbox = new LocalSandbox();
let fx: Fixture;
let det: Fixture;
let dbDir: string;

beforeAll(() => {
  fx = makeFixture();
  det = makeFixture(path.join(FIXTURE, 'deterministic'));
  dbDir = mkdtempSync(path.join(tmpdir(), 'adrs-verify-db-'));
});
afterAll(async () => {
  fx.cleanup();
  det.cleanup();
  rmSync(dbDir, { recursive: true, force: true });
  await sandbox.dispose();
});

function deterministicOptions(candidate: number, baseline: number) {
  return verifyOptions(det, sandbox, 'seed', {
    candidateId: 'cand-det',
    candidateDir: valueWorkspace(det.root, `c${candidate}-${Math.random()}`, candidate),
    baselineDir: valueWorkspace(det.root, `b${baseline}-${Math.random()}`, baseline),
    targets: {
      verify: det.target(path.join(FIXTURE, 'problem', 'workloads', 'verify')),
      time: det.target('/nonexistent'),
    },
    timing: { minSamples: 5, maxSamples: 10, minEffect: 0.01, confidence: 0.95 },
    primary: { name: 'quality', direction: 'maximize' },
  });
}

describe('deterministic problems (no timing key)', () => {
  it('verified when correct on held-out inputs and the held-out score beats the baseline; no interval', async () => {
    const { verdict, baselineHeldOut } = await verifyCandidate(deterministicOptions(7, 5));
    expect(baselineHeldOut?.status).toBe('ok');
    expect(verdict).toMatchObject({
      verified: true,
      correct: true,
      method: 'deterministic-heldout',
      score: 7,
      speedup: null,
      ciLow: null,
      ciHigh: null,
    });
    expect(verdict.metrics).toEqual({ quality: 7, 'baseline.quality': 5 });
    expect(verdict.samples).toBeUndefined();
    expect(verdict.reason).toBe("correct on every held-out input; quality 7 beats the baseline's 5");
  });

  it('not verified on a tie, and not when the candidate is incorrect', async () => {
    const tie = await verifyCandidate(deterministicOptions(5, 5));
    expect(tie.verdict).toMatchObject({ verified: false, correct: true });
    expect(tie.verdict.reason).toMatch(/does not beat the baseline's 5/);
    const wrong = await verifyCandidate(deterministicOptions(-1, 5));
    expect(wrong.verdict).toMatchObject({ verified: false, correct: false });
    expect(wrong.verdict.reason).toBe('incorrect on held-out inputs (negative value)');
  });

  it('orients minimised metrics', async () => {
    const opts = {
      ...deterministicOptions(3, 5),
      primary: { name: 'quality', direction: 'minimize' as const },
    };
    const { verdict } = await verifyCandidate(opts);
    expect(verdict).toMatchObject({ verified: true, score: -3 });
    expect(verdict.reason).toMatch(/quality 3 beats the baseline's 5/);
  });
});

describe('failures become verdicts', () => {
  it('a baseline that breaks during timing is named as the baseline, with the samples so far', async () => {
    const opts = verifyOptions(fx, sandbox, 'honest');
    opts.baselineDir = fx.workspace('precomputed-screen'); // wrong on held-out inputs, so its timing runs fail
    const { verdict } = await verifyCandidate(opts);
    expect(verdict.verified).toBe(false);
    expect(verdict.correct).toBe(true);
    expect(verdict.reason).toMatch(
      /^timing sample 1 of the baseline \(not the candidate\) failed: incorrect output in the timing run/,
    );
    expect(verdict.samples!.every((s) => s.arm === 'candidate')).toBe(true);
  });

  it('a crashing evaluator is a verdict with the reason, not an exception', async () => {
    const opts = verifyOptions(fx, sandbox, 'honest');
    opts.targets = {
      ...opts.targets,
      verify: { ...opts.targets.verify, command: ['/usr/bin/python3', '-c', 'raise SystemExit(3)'] },
    };
    const { verdict, heldOut } = await verifyCandidate(opts);
    expect(heldOut?.status).toBe('failed');
    expect(verdict).toMatchObject({ verified: false, correct: false });
    expect(verdict.reason).toBe('held-out verification failed: evaluator failed (exit code 3)');
  });
});

describe('fingerprint', () => {
  it('names CPU, GPU (or none), OS, sandbox, toolchain, platform version and the problem hash; host part cached', async () => {
    const fp = await environmentFingerprint(sandbox, 'abc123');
    expect(fp.problemHash).toBe('abc123');
    expect(fp.cpu.count).toBeGreaterThan(0);
    expect(fp.cpu.model.length).toBeGreaterThan(0);
    expect(fp.os.platform).toBe(process.platform);
    expect(fp.toolchain.node).toBe(process.version);
    expect(fp.toolchain.python3).toMatch(/^Python 3\./);
    expect(fp.gpu === 'none' || typeof fp.gpu.model === 'string').toBe(true);
    expect(fp.sandbox.kind).toBe('local');
    expect(fp.sandbox.describe).toMatchObject({ kind: 'local' });
    expect(fp.platformVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(await hostFingerprint()).toBe(await hostFingerprint());
  });
});

describe('storing a verdict', () => {
  it('maps onto store.insertVerdict field for field, raw samples in measurement order', async () => {
    const store = Store.open(path.join(dbDir, 'adrs.db'));
    try {
      const cand = store.insertCandidate({ problemName: 'gaming-fixture', problemHash: 'h', files: {} });
      const fingerprint = await environmentFingerprint(sandbox, 'h');
      const { verdict } = await verifyCandidate({
        ...verifyOptions(fx, sandbox, 'honest'),
        candidateId: cand.id,
        fingerprint,
      });
      const typed: NewVerdict = verdict; // the Verdict type is NewVerdict's shape
      const row = store.insertVerdict(typed);
      expect(row).toMatchObject({
        candidate_id: cand.id,
        verified: 1,
        correct: 1,
        method: 'paired-bootstrap-log-ratio',
        speedup: verdict.speedup,
        ci_low: verdict.ciLow,
        ci_high: verdict.ciHigh,
        n_candidate: verdict.nCandidate,
        n_baseline: verdict.nBaseline,
        min_effect: 0.05,
        confidence: 0.95,
        reason: verdict.reason,
      });
      expect(JSON.parse(row.fingerprint_json)).toEqual(JSON.parse(JSON.stringify(fingerprint)));
      const samples = store.samplesForVerdict(row.id);
      expect(samples.map((s) => [s.arm, s.seq, s.value])).toEqual(
        verdict.samples!.map((s) => [s.arm, s.seq, s.value]),
      );
      expect(store.bestVerified('gaming-fixture')[0]?.candidate_id).toBe(cand.id);
    } finally {
      store.close();
    }
  });
});
