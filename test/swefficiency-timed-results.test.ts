// The SWE harness's check of the timed repeats' own results: after a repeat's "worked" (the evaluator's clock stops
// there) its done message carries a digest of what its calls produced, and the evaluator compares the patched run's
// with base_commit's (swe_clock.compare_results); the hashing is timed too and charged above base_commit's.
// Real processes: swe_workload.py --control on the textstats fixture, driven by swe_clock.timed_run as swe_eval does.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HARNESS_FILES, harnessDir } from '../problems/src/swefficiency/package.js';
import { BASE_FILES_DIR, fixtureText, missingPython } from './fixtures/swe/fixture.js';

const PY = '/usr/bin/python3';
const DIFFERENTIAL = path.resolve(import.meta.dirname, '..', 'evaluators', 'differential');
const CANDIDATES = path.join(import.meta.dirname, 'redteam', 'candidates');
const absent = missingPython();
if (absent) console.warn(`\n*** swefficiency-timed-results: SKIPPED: ${absent} ***\n`);

const dir = mkdtempSync(path.join(tmpdir(), 'adrs-swe-timed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pkg = path.join(dir, 'pkg');
for (const f of HARNESS_FILES) cpSync(path.join(harnessDir(), f), path.join(pkg, f));
const PROBE = path.join(pkg, 'probe.py');
writeFileSync(
  PROBE,
  [
    'import json, os, sys',
    'sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))',
    'import swe_clock',
    'if sys.argv[1] == "run":',
    '    repo, workload, lib = sys.argv[2:5]',
    '    argv = [sys.executable, os.path.join(os.path.dirname(swe_clock.__file__), "swe_workload.py"), workload,',
    '            "--control"] + (["--digest-lib", lib] if lib != "none" else [])',
    '    env = {"PATH": os.environ["PATH"], "PYTHONPATH": repo, "PYTHONHASHSEED": "0"}',
    '    results, hashing = [], []',
    '    swe_clock.timed_run(argv, repo, env, 300, results=results, seed=int(sys.argv[5]), pick=int(sys.argv[6]),',
    '                        hashing=hashing)',
    '    print(json.dumps({"results": results, "hashing": hashing}))',
    'elif sys.argv[1] == "charges":',
    '    base, hashing, patched, patched_hashing = (json.load(open(p)) for p in sys.argv[2:6])',
    '    ref = swe_clock.hashing_reference(base, hashing)',
    '    print(json.dumps({"reference": ref, "base": swe_clock.hashing_charges(base, hashing, ref),',
    '                      "patched": swe_clock.hashing_charges(patched, patched_hashing, ref)}))',
    'else:',
    '    base, patched = (json.load(open(p)) for p in sys.argv[2:4])',
    '    try:',
    '        print(json.dumps({"notes": swe_clock.compare_results(base, patched), "differ": None}))',
    '    except swe_clock.ResultsDiffer as e:',
    '        print(json.dumps({"notes": [], "differ": str(e)}))',
  ].join('\n'),
);

interface Digest {
  call: number;
  values: number;
  hashed: number;
  places: number;
  calls: string;
  missed: string[];
}

let n = 0;
/** The fixture repository with `core` as textstats/core.py (base_commit's when absent). */
function repo(core?: string): string {
  const dest = path.join(dir, `repo-${++n}`);
  cpSync(BASE_FILES_DIR, dest, { recursive: true, filter: (src) => !src.includes(`${path.sep}.git`) });
  if (core) writeFileSync(path.join(dest, 'textstats', 'core.py'), core);
  return dest;
}

/** Each timed repeat's digest and its hashing seconds, from a real --control run of `workload` (a file's text)
 * over `tree`; `seed` goes with go, `pick` (which kept values are hashed) after worked, as swe_eval sends them. */
function runFull(
  tree: string,
  workload: string,
  lib = true,
  seed = 0,
  pick = 0,
): { results: (Digest | null)[]; hashing: number[] } {
  const file = path.join(dir, `workload-${++n}.py`);
  writeFileSync(file, workload);
  const argv = [PROBE, 'run', tree, file, lib ? DIFFERENTIAL : 'none', String(seed), String(pick)];
  return JSON.parse(execFileSync(PY, argv, { encoding: 'utf8' })) as {
    results: (Digest | null)[];
    hashing: number[];
  };
}
const run = (tree: string, workload: string, lib = true, seed = 0, pick = 0): (Digest | null)[] =>
  runFull(tree, workload, lib, seed, pick).results;

function compare(base: unknown, patched: unknown): { notes: string[]; differ: string | null } {
  const b = path.join(dir, `b-${++n}.json`);
  const p = path.join(dir, `p-${n}.json`);
  writeFileSync(b, JSON.stringify(base));
  writeFileSync(p, JSON.stringify(patched));
  return JSON.parse(execFileSync(PY, [PROBE, 'compare', b, p], { encoding: 'utf8' })) as {
    notes: string[];
    differ: string | null;
  };
}

const WORKLOAD_1 = fixtureText('workloads/textstats-1.py');
/** Fixture instance 1's workload, its result kept only in a global (no return value, no dropped expression). */
const INTO_GLOBAL = WORKLOAD_1.replace(
  'def workload():\n    global text\n    word_counts(text)',
  'def workload():\n    global text, counted\n    counted = word_counts(text)',
);
const hostile = (name: string): string => readFileSync(path.join(CANDIDATES, name), 'utf8');

describe.skipIf(absent)('SWE harness: the timed repeats results against base_commit', () => {
  let base = '';
  let baseRun: (Digest | null)[] = [];
  beforeAll(() => {
    base = repo();
    baseRun = run(base, WORKLOAD_1);
  }, 120_000);

  it("sends a digest per timed repeat, the same in all of base_commit's repeats", () => {
    expect(baseRun).toHaveLength(6);
    const digests = new Set(baseRun.map((d) => d?.calls));
    expect(digests.size).toBe(1);
    // The dropped value of word_counts(text), the locals at return and the return value.
    expect(baseRun[0]).toMatchObject({ call: 1, values: 3, hashed: 3, missed: [] });
  });

  it("an honest faster patch (the expert's) gives base_commit's digests: compared, and they agree", () => {
    const r = compare(baseRun, run(repo(fixtureText('expert/textstats-1.py')), WORKLOAD_1));
    expect(r.differ).toBeNull();
    expect(r.notes[0]).toBe("6 of 6 timed repeat(s) agree with base_commit's");
  }, 120_000);

  it('a patch that skips its work while timed (the collector off) differs in the first repeat', () => {
    const r = compare(baseRun, run(repo(hostile('swe-gc-detect.py')), WORKLOAD_1));
    expect(r.differ).toMatch(/^repeat 1: what the workload's calls returned and computed .* differs/);
  }, 120_000);

  it('a result the workload keeps only in a global it assigns is compared too', () => {
    const honest = run(base, INTO_GLOBAL);
    expect(compare(honest, run(repo(), INTO_GLOBAL)).differ).toBeNull();
    expect(compare(honest, run(repo(hostile('swe-gc-detect.py')), INTO_GLOBAL)).differ).toMatch(/^repeat 1:/);
  }, 120_000);

  it('of the many values a statement in a loop produces, two of those kept, picked after "worked", are hashed: a patch that does the work only in the first timed call is refused', () => {
    const loop = WORKLOAD_1.replace(
      'def workload():\n    global text\n    word_counts(text)',
      'def workload():\n    global text\n    for k in range(40):\n        word_counts(text[k * 97:])',
    );
    const gc = hostile('swe-gc-detect.py');
    // Right in the first timed call, empty in every later one.
    const firstOnly = gc
      .replace('import gc\n', 'import gc\n\n_timed = [0]\n')
      .replace(
        '    if not gc.isenabled():\n        return {}',
        '    if not gc.isenabled():\n        _timed[0] += 1\n        if _timed[0] > 1:\n            return {}',
      );
    expect(firstOnly).not.toBe(gc);
    const honest = run(base, loop);
    // 40 values of word_counts (two of them hashed), the locals and the return value. Two distinct values are
    // hashed, so a patch that does the real work for one call only is refused whatever the picks.
    expect(honest[0]).toMatchObject({ values: 42, hashed: 4, places: 3 });
    expect(compare(honest, run(repo(fixtureText('expert/textstats-1.py')), loop)).differ).toBeNull();
    expect(compare(honest, run(repo(firstOnly), loop)).differ).toMatch(/^repeat 1:/);
    // Another pick hashes other values: the digest changes with it (base and patch get the same pick).
    expect(run(base, loop, true, 0, 5)[0]?.calls).not.toBe(honest[0]?.calls);
  }, 180_000);

  // The route from the last review: the seed that chose the hashed value came with go, into the candidate's process.
  // Now the values hashed are picked by a second seed sent only after "worked".
  const LOOP_12 = WORKLOAD_1.replace(
    'def workload():\n    global text\n    word_counts(text)',
    'def workload():\n    global text\n    for k in range(12):\n        word_counts(text[k * 97:k * 97 + 1500])',
  );
  it('a patch that reads the go seed from __main__._RECORD and works only for the value it predicts hashed: refused, whatever the seeds (once a hole)', () => {
    for (const [seed, pick] of [
      [0, 0],
      [7, 3],
      [123456789, 987654321],
    ] as const) {
      const honest = run(base, LOOP_12, true, seed, pick);
      expect(honest[0]).toMatchObject({ values: 14, hashed: 4 });
      expect(
        compare(honest, run(repo(hostile('swe-seed-pick.py')), LOOP_12, true, seed, pick)).differ,
      ).toMatch(/^repeat 1:/);
    }
  }, 300_000);

  it('(KNOWN HOLE, bounded) past RETAINED values at one place, a patch that replays the reservoir from the go seed works only for the kept calls and passes', () => {
    const loop = WORKLOAD_1.replace(
      'def workload():\n    global text\n    word_counts(text)',
      'def workload():\n    global text\n    for k in range(200):\n        word_counts(text[k * 97:k * 97 + 600])',
    );
    const honest = run(base, loop, true, 11, 13);
    expect(honest[0]).toMatchObject({ values: 202, hashed: 4 });
    // It skips 184 of the 200 calls (the reservoir keeps 16) and its digests agree with base_commit's.
    const r = compare(honest, run(repo(hostile('swe-seed-reservoir.py')), loop, true, 11, 13));
    expect(r.differ).toBeNull();
  }, 300_000);

  it("a patch that defers its work into a result only the hashing evaluates: the digest agrees, so the hashing time above base_commit's is charged to each repeat", () => {
    const lazy = runFull(repo(hostile('swe-lazy-result.py')), WORKLOAD_1);
    const honest = runFull(base, WORKLOAD_1);
    expect(compare(honest.results, lazy.results).differ).toBeNull();
    const files = [honest.results, honest.hashing, lazy.results, lazy.hashing].map((v, i) => {
      const f = path.join(dir, `charge-${++n}-${i}.json`);
      writeFileSync(f, JSON.stringify(v));
      return f;
    });
    const c = JSON.parse(execFileSync(PY, [PROBE, 'charges', ...files], { encoding: 'utf8' })) as {
      reference: Record<string, number>;
      base: number[];
      patched: number[];
    };
    // The reference is the median of base_commit's hashing for the call; each repeat pays exactly what is above it.
    const ref = c.reference['1']!;
    const sorted = [...honest.hashing].sort((a, b) => a - b);
    expect(ref).toBeCloseTo((sorted[2]! + sorted[3]!) / 2, 12);
    lazy.hashing.forEach((h, k) => expect(c.patched[k]).toBeCloseTo(Math.max(0, h - ref), 12));
    honest.hashing.forEach((h, k) => expect(c.base[k]).toBeCloseTo(Math.max(0, h - ref), 12));
  }, 180_000);

  it("a patched run whose repeats send no digest, where base_commit's did, is refused", () => {
    const r = compare(baseRun, run(repo(hostile('swe-digest-off.py')), WORKLOAD_1));
    expect(r.differ).toBe("repeat 1 sent no digest of its results; base_commit's did");
  }, 120_000);

  it("results that differ among base_commit's own repeats (random, time-dependent) are not compared, never refused", () => {
    const random = WORKLOAD_1.replace(
      'def workload():\n    global text\n    word_counts(text)',
      'def workload():\n    global text\n    word_counts(text)\n    return os.urandom(8)',
    ).replace('import random\n', 'import random\nimport os\n');
    const varying = run(base, random);
    expect(new Set(varying.map((d) => d?.calls)).size).toBeGreaterThan(1);
    const r = compare(varying, run(repo(hostile('swe-gc-detect.py')), random));
    expect(r.differ).toBeNull();
    expect(r.notes.join('\n')).toMatch(/not compared: .*base_commit's own 6 repeats differ among themselves/);
  }, 120_000);

  it('without the hashing library (no differential folder) nothing is compared, nothing refused', () => {
    const bare = run(base, WORKLOAD_1, false);
    expect(bare.every((d) => d === null)).toBe(true);
    const r = compare(bare, run(repo(hostile('swe-gc-detect.py')), WORKLOAD_1, false));
    expect(r.differ).toBeNull();
    expect(r.notes).toEqual([
      "not compared: base_commit's repeats sent no digest of their results (no hashing library)",
    ]);
  }, 120_000);
});
