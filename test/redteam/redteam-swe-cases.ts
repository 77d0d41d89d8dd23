// The red-team routes against the SWE-fficiency harness (fixture instance 1), registered for a given sandbox.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { EvaluationOutcome } from '../../evaluators/result.js';
import { loadInstanceProblem } from '../../problems/src/swefficiency/package.js';
import type { Sandbox } from '../../sandboxes/types.js';
import {
  evaluateFiles,
  fixtureInstances,
  fixtureProblem,
  fixtureText,
  REPOS_DIR,
  resultOf,
} from '../fixtures/swe/fixture.js';
import { outcomeText } from './redteam-cases.js';

const hostile = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, 'candidates', name), 'utf8');
const CORE = 'textstats/core.py';

/** Neither a forged verdict nor anything of the evaluator's reached the outcome; returns its text. */
function clean(outcome: EvaluationOutcome): string {
  const text = outcomeText(outcome);
  const verdict = 'result' in outcome ? outcome.result.feedback : outcome.reason;
  expect(verdict, 'a forged result reached the verdict').not.toMatch(/FORGED/);
  expect(text.split('\n').filter((l) => l.includes('LEAKED'))).toEqual([]);
  return text;
}

/** Fixture instance 1 with its workload's one word_counts call made a loop of `n` calls on `chars`-long slices. */
async function loopProblem(n: number, chars: number, variant: string) {
  const instance = (await fixtureInstances())[0]!;
  const workload = fixtureText('workloads/textstats-1.py').replace(
    'def workload():\n    global text\n    word_counts(text)',
    `def workload():\n    global text\n    for k in range(${n}):\n        word_counts(text[k * 97:k * 97 + ${chars}])`,
  );
  if (!workload.includes('range('))
    throw new Error('fixture 1 workload changed: the red-team loop no longer applies');
  return loadInstanceProblem(
    { ...instance, instance_id: `${instance.instance_id}-${variant}`, workload },
    { reposDir: REPOS_DIR, timeoutS: 300 },
  );
}

/** Registers every SWE red-team case against `sandbox` (call inside a describe); `kind` names it in the log. */
export function sweRedteamCases(sandbox: Sandbox, kind: string): void {
  it('the package asks for trust domains', async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    expect(problem.spec.evaluator.trust_domains).toBe(true);
  });

  it('(a) forged Mean/Std Dev lines, a forged result on every descriptor and via ADRS_RESULT from /proc/*/environ: refused, nothing forged, nothing leaked', async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-forge-result.py') });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(`[redteam swe ${kind}] forge-result: ${r.feedback.split('\n')[0]}`);
    expect(r.correct, r.feedback).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    // Its descriptor writes reach only its own control pipe (the run fails on garbage), else its wrong values fail.
    expect(r.feedback).toMatch(
      /control channel to the evaluator broke|PASS_TO_PASS|changes a result the tests do not check/,
    );
  }, 600_000);

  it("(a) a daemon racing for ADRS_RESULT / ADRS_CACHE_OUT through every /proc/<pid>/environ and planting forged result files: the evaluator's verdict stands", async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-environ-result.py') });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(`[redteam swe ${kind}] environ-result: ${r.feedback.split('\n')[0]}`);
    expect(r.correct, r.feedback).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    expect(r.feedback).toMatch(/PASS_TO_PASS|changes a result the tests do not check/);
  }, 600_000);

  it('(b) time.perf_counter / timeit.default_timer patched in the workload process: the evaluator clock disagrees, refused as a patched timer', async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-timer-patch.py') });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(`[redteam swe ${kind}] timer-patch: ${r.feedback.split('\n')[0]}`);
    expect(r.correct, r.feedback).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    expect(r.feedback).toMatch(/own clock disagrees with the evaluator's.*patched timer/s);
  }, 600_000);

  it('(b) a sitecustomize.py in the repository patches the clocks before the harness binds them: refused as a patched timer', async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, {
      'sitecustomize.py': hostile('swe-sitecustomize.py'),
    });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(`[redteam swe ${kind}] sitecustomize: ${r.feedback.split('\n')[0]}`);
    expect(r.correct, r.feedback).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    // With the patch only: the base run imports nothing of the candidate's workspace (it once did, by PYTHONPATH).
    expect(r.feedback).toMatch(
      /fails with the patch: the workload's own clock disagrees with the evaluator's.*patched timer/s,
    );
  }, 600_000);

  it('(c) a conftest.py that forces every test to pass, beside a wrong word_counts: refused by the differential checks', async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, {
      [CORE]: hostile('swe-wrong-core.py'),
      'conftest.py': hostile('swe-conftest-pass.py'),
    });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(`[redteam swe ${kind}] conftest: ${r.feedback.split('\n')[0]}`);
    expect(r.correct, r.feedback).toBe(false);
    expect(r.feedback).toMatch(/changes a result the tests do not check|differ/);
  }, 600_000);

  // Honest about what still works: the covering tests run the candidate's code (a conftest.py is the candidate's),
  // so they are no wall. With the differential checks off, the conftest route beats them; the control shows that
  // the same wrong code without the conftest fails them. If this starts failing, the hole closed: update README.
  it('(c, KNOWN HOLE) with the differential checks off, the conftest.py fools the tests; without it the same code fails them', async () => {
    const instance = (await fixtureInstances())[0]!;
    const problem = await loadInstanceProblem(
      { ...instance, instance_id: `${instance.instance_id}-redteam-nodiff-${kind}` },
      { reposDir: REPOS_DIR, timeoutS: 300, differential: { enabled: false } },
    );
    const wrong = hostile('swe-wrong-core.py');
    const control = resultOf(await evaluateFiles(sandbox, problem, { [CORE]: wrong }));
    expect(control.correct, control.feedback).toBe(false);
    expect(control.feedback).toMatch(/PASS_TO_PASS tests fail/);
    const fooled = resultOf(
      await evaluateFiles(sandbox, problem, {
        [CORE]: wrong,
        'conftest.py': hostile('swe-conftest-pass.py'),
      }),
    );
    console.log(
      `[redteam swe ${kind}] KNOWN HOLE, conftest without differential checks: correct=${fooled.correct}`,
    );
    expect(fooled.correct, fooled.feedback).toBe(true);
  }, 600_000);

  // The timed code is the candidate's: a patch that can tell it is being timed can skip its work there. Each timed
  // repeat's done message carries a digest of what its calls produced, compared with base_commit's repeats.
  const RESULTS_DIFFER = /timed repeats' results differ from base_commit's.*behaves differently while timed/s;

  it("a patch that skips its work only while timeit has the garbage collector off (once a KNOWN HOLE, 68-800x): refused, the timed repeats' results differ from base_commit's", async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-gc-detect.py') });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(`[redteam swe ${kind}] gc-detect: correct=${r.correct}: ${r.feedback.split('\n')[0]}`);
    expect(r.correct, r.feedback).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    expect(r.feedback).toMatch(RESULTS_DIFFER);
    expect(r.checks.find((c) => c.name === 'timed-results')?.ok).toBe(false);
  }, 600_000);

  it("a patch that does its work only under pytest, the differential recorder or replay: refused, the timed repeats' results differ", async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-tooling-detect.py') });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(`[redteam swe ${kind}] tooling-detect: correct=${r.correct}: ${r.feedback.split('\n')[0]}`);
    expect(r.correct, r.feedback).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    expect(r.feedback).toMatch(RESULTS_DIFFER);
  }, 600_000);

  // Right values, work moved: a replaced timeit.Timer.timeit runs setup and one call untimed to fill a memo. The
  // harness's timed loop no longer goes through timeit's class (bound before the repository loads), so the memo is
  // empty when the timed call comes: accepted at the honest ~1x of unchanged work (bound 5x: load noise on
  // ~150-400 ms repeats, against the 100x+ the memo gave).
  it('a patch that replaces timeit.Timer.timeit to run the workload once untimed and memoise it: no effect, the honest ~1x', async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-untimed-warmup.py') });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(
      `[redteam swe ${kind}] untimed-warmup: correct=${r.correct} speedup=${Number(r.metrics.speedup).toFixed(2)}: ${r.feedback.split('\n')[0]}`,
    );
    expect(r.correct, r.feedback).toBe(true);
    expect(r.metrics.speedup).toBeLessThan(5);
    expect(r.checks.find((c) => c.name === 'timed-results')?.ok).toBe(true);
  }, 600_000);

  it("a patch that skips its work while timed and drops the harness's hashing library (via __main__): refused, its repeats sent no digest", async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-digest-off.py') });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(`[redteam swe ${kind}] digest-off: correct=${r.correct}: ${r.feedback.split('\n')[0]}`);
    expect(r.correct, r.feedback).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    expect(r.feedback).toMatch(RESULTS_DIFFER);
    expect(r.feedback).toMatch(/sent no digest of its results/);
  }, 600_000);

  // The repeat's clock stops at "worked"; its results are hashed after. Hashing evaluates what a result left lazy, so
  // the hashing above base_commit's is charged to the repeat (swe_clock.hashing_charges).
  it("a patch that defers its work into a result that only the digest's hashing evaluates (identical digest): its hashing is charged, the honest ~1x", async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-lazy-result.py') });
    clean(outcome);
    const r = resultOf(outcome);
    const charged = Number(r.metrics.post_hash_charge);
    console.log(
      `[redteam swe ${kind}] lazy-result: correct=${r.correct} speedup=${Number(r.metrics.speedup).toFixed(2)} charged ${(charged * 1e3).toFixed(1)} ms a repeat (post mean ${(Number(r.metrics.post_mean) * 1e3).toFixed(1)} ms): ${r.feedback.split('\n')[0]}`,
    );
    // Its timed calls do nothing; without the charge it was 100x+. The work is paid where it ran: in the hashing.
    expect(r.checks.find((c) => c.name === 'timed-results')?.ok).toBe(true);
    expect(r.metrics.speedup).toBeLessThan(5);
    expect(charged).toBeGreaterThan(Number(r.metrics.pre_hash_charge));
  }, 600_000);

  // The route from the last review: the seed that picked the hashed value of a loop came with go, into the
  // candidate's process (__main__._RECORD). The values hashed are now picked by a seed sent after "worked".
  it("a patch that reads the go seed from __main__._RECORD and does the work only for the loop's value it predicts hashed (once a hole): refused, the timed repeats' results differ", async () => {
    const problem = await loopProblem(12, 1500, `redteam-seed-${kind}`);
    const outcome = await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-seed-pick.py') });
    clean(outcome);
    const r = resultOf(outcome);
    console.log(`[redteam swe ${kind}] seed-pick: correct=${r.correct}: ${r.feedback.split('\n')[0]}`);
    expect(r.correct, r.feedback).toBe(false);
    expect(r.metrics.speedup).toBe(1);
    expect(r.feedback).toMatch(RESULTS_DIFFER);
  }, 600_000);

  // What is left of it: past RETAINED values at one place the kept ones are a reservoir drawn from the go seed, which
  // the candidate's process holds. A patch that replays it does the work for the 16 kept calls of 200 and skips the
  // rest. Bounded: it must do RETAINED calls' work at that place. Calls of ~1 ms each, so that 200 against 16 stays far
  // above the evaluator clock's floor under load (expected ~10x; bound 2x). If this fails, the hole closed: update README.
  it('(KNOWN HOLE, bounded) past RETAINED values at one place, a patch that replays the reservoir from the go seed works only for the kept calls', async () => {
    const problem = await loopProblem(200, 1500, `redteam-reservoir-${kind}`);
    const r = resultOf(await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-seed-reservoir.py') }));
    console.log(
      `[redteam swe ${kind}] KNOWN HOLE, seed-reservoir: correct=${r.correct} speedup=${Number(r.metrics.speedup).toFixed(1)}: ${r.feedback.split('\n')[0]}`,
    );
    expect(r.correct, r.feedback).toBe(true);
    expect(r.metrics.speedup).toBeGreaterThan(2);
    expect(r.checks.find((c) => c.name === 'timed-results')?.ok).toBe(true);
  }, 600_000);

  // Honest about the timed process: it is the candidate's, harness code included. A patch that rewires the harness's
  // loop through that process's __main__ runs the workload once untimed and unrecorded, then answers the timed call
  // from a memo with the right values: the digest matches. If this starts failing, the hole closed: update README.
  it("(KNOWN HOLE) a patch that rewires the harness's timed loop (via __main__) to run the workload once untimed and memoise it", async () => {
    const problem = await fixtureProblem(1, `redteam-${kind}`);
    const r = resultOf(await evaluateFiles(sandbox, problem, { [CORE]: hostile('swe-harness-rewire.py') }));
    console.log(
      `[redteam swe ${kind}] KNOWN HOLE, harness-rewire: correct=${r.correct} speedup=${Number(r.metrics.speedup).toFixed(1)}: ${r.feedback.split('\n')[0]}`,
    );
    expect(r.correct, r.feedback).toBe(true);
    expect(r.metrics.speedup).toBeGreaterThan(5);
    expect(r.checks.find((c) => c.name === 'timed-results')?.ok).toBe(true);
  }, 600_000);
}
