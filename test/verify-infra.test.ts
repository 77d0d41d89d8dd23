// A verification the platform fails (the evaluator's process limit reached while timing) is retried as
// infrastructure and never stored as the candidate's failure: real sandbox, real matmul-cpu evaluator, real EAGAIN.
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { verifyFiles } from '../orchestrator/evaluate/verify-files.js';
import { seedFiles } from '../orchestrator/evaluate/workspace.js';
import { verifyStage } from '../orchestrator/loop/verify-stage.js';
import { Store } from '../orchestrator/store/store.js';
import { loadProblem, type LoadedProblem } from '../problems/src/load.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';

const root = path.resolve(import.meta.dirname, '..');
// Needs root: the evaluator runs as its own uid (trust domains), whose process limit it then reaches for real.
const asRoot = process.getuid?.() === 0;
if (!asRoot)
  console.warn('verify-infra.test.ts: SKIPPED, needs root (the evaluator must run as a uid of its own)');

/**
 * matmul-cpu with small shapes and 2 A/B pairs, whose evaluator, in the time stage, first lowers its own process
 * limit to nothing and forks (EAGAIN, as when the evaluator uid's processes fill the limit): on every try
 * (`always`), or on the first try of each pair seed (`once`, marked in `state`, a folder outside the private /tmp).
 */
function faultyMatmul(dir: string, state: string, mode: 'once' | 'always' | 'marked'): LoadedProblem {
  const out = path.join(dir, `matmul-${mode}`);
  cpSync(path.join(root, 'problems', 'matmul-cpu'), out, { recursive: true });
  const yaml = path.join(out, 'problem.yaml');
  writeFileSync(
    yaml,
    readFileSync(yaml, 'utf8')
      .replace('verify_samples: 10', 'verify_samples: 2')
      .replace('max_samples: 40', 'max_samples: 2\n  extended_max_samples: 0'), // exactly 2 pairs: no extension
  );
  for (const big of [
    'screen/04-square.json',
    'screen/05-large.json',
    'verify/05-ragged.json',
    'verify/06-large.json',
  ])
    rmSync(path.join(out, 'workloads', big));
  const evaluator = path.join(out, 'evaluator', 'evaluate.py');
  // `marked`: every stage faults while `state`/fault exists (the platform breaks after the bundle was made).
  const fault =
    mode === 'marked'
      ? `import os as _os, resource as _res
if _os.path.exists(${JSON.stringify(state)} + "/fault"):
    _res.setrlimit(_res.RLIMIT_NPROC, (0, 0))
    _os.fork()
`
      : `import os as _os, resource as _res
if _os.environ.get("ADRS_STAGE") == "time":
    _mark = ${JSON.stringify(state)} + "/" + _os.environ.get("ADRS_SEED", "0")
    if ${mode === 'always' ? 'True' : 'not _os.path.exists(_mark)'}:
        open(_mark, "w").close()
        _res.setrlimit(_res.RLIMIT_NPROC, (0, 0))
        _os.fork()
`;
  writeFileSync(evaluator, fault + readFileSync(evaluator, 'utf8'));
  return loadProblem(out, root);
}

const FASTER = (seed: string): string => seed.replace('#define LOOP_ORDER 0', '#define LOOP_ORDER 1');

let dir: string;
let sandbox: LocalSandbox;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'adrs-verify-infra-'));
  sandbox = new LocalSandbox();
});
afterAll(async () => {
  await sandbox?.dispose();
});

/** A folder the evaluator uid can write, outside the sandbox's private /tmp. */
function stateDir(): string {
  // Not the checkout (a checkout under /tmp is hidden by the sandbox's private /tmp, /var/tmp and /dev/shm): the
  // suite runs as root, so a folder under /var/cache.
  const d = path.join('/var/cache/adrs', `verify-infra-${process.pid}-${Date.now()}`);
  mkdirSync(d, { recursive: true });
  chmodSync(d, 0o1777);
  return d;
}

describe.runIf(asRoot)('verification under a platform fault', () => {
  it('a timing sample whose evaluator could not fork is taken again; the verdict is a real measurement', async () => {
    const state = stateDir();
    try {
      const problem = faultyMatmul(dir, state, 'once');
      const seed = seedFiles(problem);
      const r = await verifyFiles({
        problem,
        sandbox,
        candidateId: 'cand_once',
        files: { 'matmul.c': FASTER(seed['matmul.c']!) },
        seed: 7,
      });
      // Every pair's first try failed for real (one mark per pair seed), and its retry measured.
      expect(readdirSync(state).length).toBe(2);
      expect(r.infrastructure).toBeUndefined();
      expect(r.verdict.correct).toBe(true);
      expect(r.verdict.nCandidate).toBe(2);
      expect(r.verdict.nBaseline).toBe(2);
      expect(r.verdict.reason).not.toMatch(/failed/);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }, 300_000);

  it('a persistent fault ends as infrastructure: no verdict and no held-out row are stored against the candidate', async () => {
    const state = stateDir();
    const store = Store.open(path.join(dir, 'adrs.db'));
    try {
      const problem = faultyMatmul(dir, state, 'always');
      const seed = seedFiles(problem);
      const files = { 'matmul.c': FASTER(seed['matmul.c']!) };
      const base = store.insertCandidate({ problemName: 'matmul-cpu', problemHash: 'h', files: seed });
      const cand = store.insertCandidate({ problemName: 'matmul-cpu', problemHash: 'h', files });
      const r = await verifyStage({
        store,
        problem,
        sandbox,
        candidateId: cand.id,
        files,
        baselineId: base.id,
        baselineFiles: seed,
        seed: 11,
      });
      expect(r.infrastructure).toMatch(/could not start a process .*Errno 11/);
      expect(r.reason).toMatch(/^infrastructure \(not the candidate's failure\)/);
      expect(r.verified).toBe(false);
      expect(store.latestVerdict(cand.id)).toBeUndefined();
      expect(store.listEvaluations(cand.id)).toEqual([]);
      expect(store.listEvaluations(base.id)).toEqual([]);
    } finally {
      store.close();
      rmSync(state, { recursive: true, force: true });
    }
  }, 600_000);

  it('adrs verify of an imported bundle under a platform fault says so in one line, exits non-zero and stores nothing', async () => {
    const state = stateDir();
    try {
      const problem = faultyMatmul(dir, state, 'marked');
      const seed = seedFiles(problem);
      const files = { 'matmul.c': FASTER(seed['matmul.c']!) };
      const runDb = path.join(dir, 'bundle-run.db');
      const store = Store.open(runDb);
      store.upsertProblem({
        name: problem.spec.name,
        contentHash: problem.contentHash,
        dir: problem.dir,
        spec: problem.spec,
      });
      const run = store.createRun({
        problemName: problem.spec.name,
        problemHash: problem.contentHash,
        strategy: 'evolve',
        sandbox: 'local',
        config: {},
      });
      const base = store.insertCandidate({
        runId: run.id,
        problemName: problem.spec.name,
        problemHash: problem.contentHash,
        files: seed,
        proposer: 'seed',
      });
      const cand = store.insertCandidate({
        runId: run.id,
        problemName: problem.spec.name,
        problemHash: problem.contentHash,
        parentId: base.id,
        generation: 1,
        files,
        proposer: 'test',
      });
      // A real verification while the platform is healthy: the bundle carries a real verdict.
      const { verdict } = await verifyFiles({
        problem,
        sandbox,
        candidateId: cand.id,
        files,
        baselineCandidateId: base.id,
        seed: 3,
      });
      store.insertVerdict(verdict);
      store.close();
      const bundle = path.join(dir, 'fault.tar.gz');
      const exp = await cli(['export', cand.id, '-o', bundle, '--db', runDb]);
      expect(exp.code, exp.err).toBe(0);
      const db = path.join(dir, 'claims.db');
      const imp = await cli(['import', bundle, '--db', db]);
      expect(imp.code, imp.err).toBe(0);
      const id = imp.out.trim();
      const verdicts = (): unknown[] => {
        const s = Store.open(db);
        try {
          return s.db
            .prepare('SELECT claimed_by, verified, speedup FROM verdicts WHERE candidate_id = ? ORDER BY id')
            .all(id);
        } finally {
          s.close();
        }
      };
      const before = verdicts();
      expect(before).toHaveLength(1);
      expect((before[0] as { claimed_by: string | null }).claimed_by).toMatch(/^fp:/);
      // Now the platform breaks: every evaluator run fails to fork (its uid's process budget is spent).
      writeFileSync(path.join(state, 'fault'), '');
      const v = await cli(['verify', bundle, '--problem', problem.dir, '--db', db]);
      expect(v.code).not.toBe(0);
      const errors = v.err.split('\n').filter((l) => l.startsWith('adrs:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /not verified: a platform fault, not the candidate, stopped the verification \(.*could not start a process.*\); nothing was recorded/,
      );
      expect(v.out).not.toMatch(/here:|AGREES|DISAGREES/);
      expect(v.err).not.toMatch(/recorded this machine's verdict/);
      // The claim stays a claim: no verdict of this machine was stored for it.
      expect(verdicts()).toEqual(before);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }, 900_000);
});
