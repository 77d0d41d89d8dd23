// The SWE harness's bytecode cache of the base tree (problems/src/swefficiency/harness/swe_pyc.py), on a fixture
// instance in the local sandbox with trust domains: unchanged modules load from the evaluator's .pyc files (no
// compile), a patched module is compiled from its source, and a candidate cannot plant bytecode that base's run
// (the differential checks' probe of base_commit) or a later candidate loads.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluatorCacheDir } from '../orchestrator/evaluate/target.js';
import type { LoadedProblem } from '../problems/src/load.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import {
  bytecode,
  cacheFiles,
  evaluate as evaluateIn,
  expert,
  problem,
  reported,
} from './fixtures/swe/bytecode/bytecode.js';
import { fixtureText } from './fixtures/swe/fixture.js';

let pytest = true;
try {
  execFileSync('/usr/bin/python3', ['-c', 'import pytest'], { stdio: 'ignore' });
} catch {
  pytest = false;
  const msg =
    '*** swefficiency-bytecode: SKIPPED: /usr/bin/python3 lacks pytest (apt-get install python3-pytest) ***';
  if (process.env.CI === 'true') throw new Error(msg + ' CI=true: failing instead of skipping');
  console.warn(`\n${msg}\n`);
}

const sandbox = new LocalSandbox();
afterAll(() => sandbox.dispose());
const evaluate = (p: LoadedProblem, files: Record<string, string>, cache = true) =>
  evaluateIn(sandbox, p, files, cache);

describe.runIf(pytest)('SWE bytecode cache (fixture instance, local sandbox)', () => {
  it('unchanged modules load from the cached bytecode; the patched one compiles from its source', async () => {
    const p = await problem('use');
    rmSync(evaluatorCacheDir(p), { recursive: true, force: true });
    // Without a cache (the measure can fail): every module of the package is compiled in the workload's process.
    const none = await evaluate(p, expert, false);
    expect(none.correct, none.feedback).toBe(true);
    expect(reported(none, 'compiled'), none.artifacts?.bytecode).toBe(
      'textstats/__init__.py,textstats/core.py,textstats/ngrams.py',
    );

    // The first evaluation compiles the base tree (tests aside) and hands the archive to the evaluator cache.
    const cold = await evaluate(p, expert);
    expect(cold.correct, cold.feedback).toBe(true);
    expect(bytecode(cold)).toMatchObject({ built: true, installed: 3, note: '' });
    expect(Object.keys(cacheFiles(p))).toHaveLength(1);
    // The patched core.py has another source hash: compiled from source (and its code runs), never the cached one.
    expect(reported(cold, 'compiled')).toBe('textstats/core.py');
    expect(reported(cold, 'marker')).toBe('patched');

    // Later evaluations take it from the cache.
    const warm = await evaluate(p, expert);
    expect(warm.correct, warm.feedback).toBe(true);
    expect(bytecode(warm)).toMatchObject({ built: false, installed: 3, note: '' });
    expect(reported(warm, 'compiled')).toBe('textstats/core.py');
  }, 600_000);

  it("a candidate cannot plant bytecode that base's run or a later candidate loads", async () => {
    const p = await problem('plant');
    rmSync(evaluatorCacheDir(p), { recursive: true, force: true });
    const first = await evaluate(p, expert);
    expect(bytecode(first).built).toBe(true);
    const before = cacheFiles(p);

    // A wrong patch that, as soon as it runs, tries to replace base's core bytecode with its own (unchecked-hash:
    // loaded whatever the source says). Had any attempt held, the differential checks' probe of base_commit would
    // have run the wrong code as base's and the difference would have passed for noise.
    const wrong = await evaluate(p, { 'textstats/core.py': fixtureText('bytecode/planting-core.py') });
    const log = JSON.parse(reported(wrong, 'plant') ?? '{}') as Record<string, unknown>;
    expect(log.target_owner).not.toBeNull(); // the bytecode it aims at is there...
    expect(log.target_owner).not.toBe(log.uid); // ...and belongs to the evaluator, not to the candidate
    for (const step of ['overwrite', 'replace', 'unlink', 'add', 'rename-folder', 'tests-folder'])
      expect(log[step], step).toMatch(/PermissionError|FileNotFoundError|OSError/);
    for (const [k, v] of Object.entries(log)) if (k.startsWith('cache-')) expect(v, k).not.toBe('done');
    expect(wrong.correct).toBe(false);
    expect(wrong.feedback).toMatch(/differ/i);

    // The cache is as the evaluator wrote it, and the next candidate's base loads it as before.
    expect(cacheFiles(p)).toEqual(before);
    const next = await evaluate(p, expert);
    expect(next.correct, next.feedback).toBe(true);
    expect(bytecode(next)).toMatchObject({ built: false, installed: 3 });
    expect(reported(next, 'compiled')).toBe('textstats/core.py');
  }, 600_000);
});
