// `adrs eval --patch FILE.diff`: a unified diff of any number of files laid over the seed, on our problem and real sympy.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFromPatch } from '../orchestrator/evaluate/patch-files.js';
import { REAL_DIR } from './fixtures/swe-real/real.js';
import { cli } from './helpers/cli.js';
import { loudSkip, pythonLacks } from './helpers/python-modules.js';

// The upstream diff is laid over Debian's sympy tree, which a newcomer's machine need not have.
const noSympy = loudSkip('cli-eval-patch (the sympy diff)', pythonLacks(['sympy']));

// Two seed files share a basename (what --program could not tell apart); the evaluator needs all three changes.
const EVALUATOR = `import json, os, sys
ws = os.environ["ADRS_WORKSPACE"]
sys.path.insert(0, ws)
from lib import a as la
from pkg import a as pa
from pkg import b as pb
ok = la.f() == 1 and pa.f() == 2 and pb.g() == 3
json.dump({"correct": ok, "metrics": {"score": 1.0}}, open(os.environ["ADRS_RESULT"], "w"))
`;

function makeProblem(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-cli-patch-'));
  for (const d of ['seed/lib', 'seed/pkg', 'evaluator']) mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, 'seed/lib/a.py'), 'def f():\n    return 0\n');
  writeFileSync(path.join(dir, 'seed/pkg/a.py'), 'def f():\n    return 0\n');
  writeFileSync(path.join(dir, 'evaluator/evaluate.py'), EVALUATOR);
  writeFileSync(
    path.join(dir, 'problem.yaml'),
    `name: tiny-patch
description: three edits
language: python
seed: { files: [lib/a.py, pkg/a.py] }
evaluator: { command: ["/usr/bin/python3", "{problem}/evaluate.py"] }
metrics: [{ name: score, direction: maximize }]
primary: score
`,
  );
  return dir;
}

const DIFF = `diff --git a/lib/a.py b/lib/a.py
--- a/lib/a.py
+++ b/lib/a.py
@@ -1,2 +1,2 @@
 def f():
-    return 0
+    return 1
diff --git a/pkg/a.py b/pkg/a.py
--- a/pkg/a.py
+++ b/pkg/a.py
@@ -1,2 +1,2 @@
 def f():
-    return 0
+    return 2
diff --git a/pkg/b.py b/pkg/b.py
new file mode 100644
--- /dev/null
+++ b/pkg/b.py
@@ -0,0 +1,2 @@
+def g():
+    return 3
`;

describe('adrs eval --patch', () => {
  it('applies a diff of several files, two with the same basename and one new, and evaluates the result', async () => {
    const dir = makeProblem();
    const diff = path.join(dir, 'change.diff');
    writeFileSync(diff, DIFF);
    const r = await cli(['eval', dir, '--patch', diff, '--json', '--db', path.join(dir, 'x.db')]);
    expect(r.code, r.err + r.out).toBe(0);
    expect(JSON.parse(r.out).correct).toBe(true);
    // Without the patch the evaluator refuses the seed: the patch is what made it pass.
    const seed = await cli(['eval', dir, '--json', '--db', path.join(dir, 'x.db')]);
    expect(JSON.parse(seed.out).correct).toBe(false);
  });

  it('says in one line why a patch cannot be used', async () => {
    const dir = makeProblem();
    const db = ['--db', path.join(dir, 'x.db')];
    const missing = await cli(['eval', dir, '--patch', path.join(dir, 'nope.diff'), ...db]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/--patch .*nope\.diff: no such file/);
    const stale = path.join(dir, 'stale.diff');
    writeFileSync(stale, DIFF.replace('-    return 0\n+    return 1', '-    return 5\n+    return 1'));
    const r = await cli(['eval', dir, '--patch', stale, ...db]);
    expect(r.err).toMatch(/--patch .*stale\.diff: does not apply to the seed \(.*lib\/a\.py/);
    const del = path.join(dir, 'del.diff');
    writeFileSync(
      del,
      'diff --git a/lib/a.py b/lib/a.py\ndeleted file mode 100644\n--- a/lib/a.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-def f():\n-    return 0\n',
    );
    expect((await cli(['eval', dir, '--patch', del, ...db])).err).toMatch(
      /delete mode .*not delete or rename/,
    );
    const both = await cli(['eval', dir, '--patch', stale, '--program', stale, ...db]);
    expect(both.err).toMatch(/--program and --patch: give one of them/);
  });

  it("takes a real upstream two-file diff (sympy PR #24237) over Debian's sympy tree", async (ctx) => {
    ctx.skip(noSympy);
    const files = await filesFromPatch(
      path.join(REAL_DIR, 'patches', 'sympy__sympy-24237.diff'),
      '/usr/lib/python3/dist-packages',
    );
    expect(Object.keys(files).sort()).toEqual([
      'sympy/physics/quantum/gate.py',
      'sympy/physics/quantum/operator.py',
    ]);
    expect(files['sympy/physics/quantum/gate.py']).toContain(
      'return qubits # no computation required for IdentityGate',
    );
  });
});
