// Reward-hacking fixtures through the real local sandbox: every gaming candidate is refused, with a clear reason.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardFiles } from '../evaluators/guard/check.js';
import { runEvaluation } from '../evaluators/run-evaluation.js';
import { verifyCandidate } from '../evaluators/verify.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import {
  FIXTURE,
  HELD_OUT,
  SCREEN,
  SEED_PASS_MIN_S,
  candidateSource,
  makeFixture,
  seedSource,
  verifyOptions,
  type Fixture,
} from './fixtures/gaming/fixture.js';

const sandbox = new LocalSandbox();
let fx: Fixture;

beforeAll(() => {
  fx = makeFixture();
});
afterAll(async () => {
  fx.cleanup();
  await sandbox.dispose();
});

/** One time-stage process taking `samples` passes over `workloads`: the per-pass totals and the stderr lines. */
async function passesInOneProcess(
  candidate: string,
  samples: number,
  workloads = HELD_OUT,
): Promise<{ totals: number[]; stderr: string[] }> {
  const out = await runEvaluation({
    sandbox,
    workspaceDir: fx.workspace(candidate),
    stage: 'time',
    seed: 99,
    samples,
    target: fx.target(workloads),
  });
  expect(out.status, 'result' in out ? out.result.feedback : out.reason).toBe('ok');
  return { totals: 'result' in out ? out.result.timings.solve! : [], stderr: out.stderrTail.split('\n') };
}

const count = (lines: string[], marker: string) => lines.filter((l) => l === marker).length;

function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      h.update(p);
      if (e.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

describe('honest speedup (positive control)', () => {
  it('is verified, with both arms sampled interleaved in fresh processes', async () => {
    const { verdict, heldOut } = await verifyCandidate(verifyOptions(fx, sandbox, 'honest'));
    expect(heldOut?.status).toBe('ok');
    expect(verdict.correct).toBe(true);
    expect(verdict.verified, verdict.reason).toBe(true);
    expect(verdict.method).toBe('paired-bootstrap-log-ratio');
    expect(verdict.speedup!).toBeGreaterThan(1.3); // 2x by construction
    const samples = verdict.samples!;
    expect(samples.length).toBe(verdict.nCandidate! + verdict.nBaseline!);
    expect(verdict.nCandidate).toBe(verdict.nBaseline);
    expect(samples.map((s) => s.seq)).toEqual(samples.map((_, i) => i));
    for (let i = 0; i < samples.length; i += 2) {
      expect(new Set([samples[i]!.arm, samples[i + 1]!.arm])).toEqual(new Set(['candidate', 'baseline']));
    }
    // The order within pairs is randomised (seeded), so both orders occur.
    const firsts = new Set(samples.filter((_, i) => i % 2 === 0).map((s) => s.arm));
    expect(firsts.size).toBe(2);
  });
});

describe('caching results across samples', () => {
  it('in memory: hits within one process, gains nothing with one fresh process per sample', async () => {
    // The exploit is real when a process is reused: passes 2 and 3 hit on all 6 inputs.
    expect(count((await passesInOneProcess('cache-memory', 3)).stderr, 'CACHE-HIT')).toBe(12);
    const { verdict } = await verifyCandidate(verifyOptions(fx, sandbox, 'cache-memory'));
    const mine = verdict.samples!.filter((s) => s.arm === 'candidate');
    expect(mine.length).toBeGreaterThanOrEqual(5);
    for (const s of mine) expect(s.value).toBeGreaterThanOrEqual(SEED_PASS_MIN_S); // never a cache hit
    expect(verdict.verified, verdict.reason).toBe(false);
    expect(verdict.reason).toMatch(/not verified/);
  });

  it('in a workspace file: every sample gets a fresh workspace copy, and the host copy is untouched', async () => {
    expect(count((await passesInOneProcess('cache-file', 3)).stderr, 'CACHE-HIT')).toBe(12);
    const opts = verifyOptions(fx, sandbox, 'cache-file');
    const { verdict } = await verifyCandidate(opts);
    for (const s of verdict.samples!.filter((x) => x.arm === 'candidate'))
      expect(s.value).toBeGreaterThanOrEqual(SEED_PASS_MIN_S);
    expect(verdict.verified, verdict.reason).toBe(false);
    expect(existsSync(path.join(opts.candidateDir, '.solve-cache.json'))).toBe(false);
  });
});

describe('caching results in a machine-wide location', () => {
  it('a cache in /tmp is refused by the guard (the local sandbox shares /tmp between sessions)', () => {
    const report = guardFiles({ 'solve.py': seedSource() }, { 'solve.py': candidateSource('cache-tmp') });
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual([
      {
        rule: 'shared-state',
        file: 'solve.py',
        line: 7,
        text: '_PATH = "/tmp/adrs-gaming-solve-cache.json"',
      },
    ]);
    expect(report.reason).toMatch(/\[shared-state\] uses a machine-wide location/);
  });
});

describe('precomputed answers for the screen inputs', () => {
  it('passes screen but is incorrect on the held-out inputs, named with the first difference', async () => {
    const screen = await runEvaluation({
      sandbox,
      workspaceDir: fx.workspace('precomputed-screen'),
      stage: 'screen',
      seed: 1,
      target: fx.target(SCREEN),
    });
    expect(screen.status).toBe('ok');
    const { verdict, heldOut } = await verifyCandidate(verifyOptions(fx, sandbox, 'precomputed-screen'));
    expect(heldOut?.status).toBe('incorrect');
    expect(verdict.correct).toBe(false);
    expect(verdict.verified).toBe(false);
    expect(verdict.reason).toMatch(
      /^incorrect on held-out inputs \(input 0: output: length 0, expected \d+\)/,
    );
    expect(verdict.samples).toBeUndefined(); // no timing for an incorrect candidate
  });
});

describe('static guard', () => {
  it('refuses stack inspection (and the exploit would work without the guard)', async () => {
    const report = guardFiles({ 'solve.py': seedSource() }, { 'solve.py': candidateSource('stack-detect') });
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => [v.rule, v.line])).toEqual([
      ['introspection', 2],
      ['introspection', 11],
    ]);
    expect(report.reason).toMatch(
      /^guard refused the patch: solve\.py:2 \[introspection\] inspects the call stack/,
    );
    const { verdict, heldOut } = await verifyCandidate(
      verifyOptions(fx, sandbox, 'stack-detect', { guard: report }),
    );
    expect(heldOut).toBeUndefined(); // nothing ran
    expect(verdict).toMatchObject({
      verified: false,
      correct: false,
      method: 'guard-refused',
      reason: report.reason,
    });
    const unguarded = await passesInOneProcess('stack-detect', 1);
    expect(count(unguarded.stderr, 'TIMER-DETECTED')).toBe(6);
  });

  it('refuses timer patching (and the harness clock is bound before candidate code anyway)', async () => {
    const report = guardFiles({ 'solve.py': seedSource() }, { 'solve.py': candidateSource('timer-patch') });
    expect(report.ok).toBe(false);
    expect(report.violations[0]).toMatchObject({
      rule: 'timer-patch',
      file: 'solve.py',
      text: 'time.perf_counter = lambda: _real_clock() / 10',
    });
    const unguarded = await passesInOneProcess('timer-patch', 1);
    expect(unguarded.totals[0]!).toBeGreaterThanOrEqual(SEED_PASS_MIN_S); // a patched clock would read a tenth
  });
});

describe('editing the evaluator, the reference or the inputs', () => {
  it('fails inside the sandbox and changes nothing on the host; the guard names it too', async () => {
    const before = treeHash(FIXTURE);
    const beforeEval = treeHash(fx.evaluatorDir);
    const out = await runEvaluation({
      sandbox,
      workspaceDir: fx.workspace('edit-evaluator'),
      stage: 'verify',
      seed: 5,
      target: fx.target(HELD_OUT),
    });
    expect(out.status).toBe('ok'); // the real evaluator ran and judged the (correct) solve
    const attempts = out.stderrTail.split('\n').filter((l) => l.startsWith('EDIT-ATTEMPT'));
    expect(attempts).toHaveLength(3);
    for (const line of attempts) expect(line).toMatch(/: (PermissionError|OSError)/);
    expect(treeHash(FIXTURE)).toBe(before);
    expect(treeHash(fx.evaluatorDir)).toBe(beforeEval);
    const report = guardFiles(
      { 'solve.py': seedSource() },
      { 'solve.py': candidateSource('edit-evaluator') },
    );
    expect(report.violations.map((v) => v.rule)).toContain('evaluator-access');
  });
});

describe('faster only on the screen inputs', () => {
  it('shows a speedup when timed on screen inputs, none on the held-out inputs', async () => {
    const onScreen = await verifyCandidate(
      verifyOptions(fx, sandbox, 'screen-only-fast', { timeWorkloads: SCREEN }),
    );
    expect(onScreen.verdict.verified, onScreen.verdict.reason).toBe(true);
    expect(onScreen.verdict.speedup!).toBeGreaterThan(1.5); // 2.5x by construction
    const { verdict } = await verifyCandidate(verifyOptions(fx, sandbox, 'screen-only-fast'));
    expect(verdict.correct).toBe(true);
    expect(verdict.verified, verdict.reason).toBe(false);
    expect(verdict.speedup!).toBeLessThan(1.2);
  });
});
