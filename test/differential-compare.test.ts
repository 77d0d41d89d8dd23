// The differential helpers on their own (Python, no sandbox): strict comparison with paths, and changed-function discovery.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HARNESS_DIR } from '../evaluators/run-evaluation.js';
import { DIFFERENTIAL_DIR } from './fixtures/swe-diff/fixture.js';

const py = (code: string): unknown =>
  JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', code], {
      env: {
        PATH: '/usr/bin:/bin',
        PYTHONPATH: `${DIFFERENTIAL_DIR}:${HARNESS_DIR}`,
        PYTHONDONTWRITEBYTECODE: '1',
      },
    }).toString(),
  );

describe('adrs_diffcompare', () => {
  it('finds canonical-form changes that == and adrs_compare accept, with a path', () => {
    const out = py(`
import json, collections
from adrs_diffcompare import first_difference as fd, Options
from adrs_compare import compare
cases = {
  "counter": (collections.Counter(a=1), {"a": 1}),
  "negzero": ({"x": [1.0, -0.0]}, {"x": [1.0, 0.0]}),
  "tuple": ([(1, 2)], [[1, 2]]),
  "order": ({"b": 1, "a": 2}, {"a": 2, "b": 1}),
  "string": ("abc def", "abc  def"),
  "close": (1.0 + 1e-12, 1.0),
  "equal": ({"k": [1, "x", (2.5,)]}, {"k": [1, "x", (2.5,)]}),
}
out = {k: fd(a, e) for k, (a, e) in cases.items()}
out["plain_counter"] = compare(collections.Counter(a=1), {"a": 1})
out["loose_tuple"] = fd([(1, 2)], [[1, 2]], Options(strict=False))
out["may_differ"] = fd({"id": 1, "v": 2}, {"id": 9, "v": 2}, Options(may_differ=["return.id"]), "return")
out["may_differ_other"] = fd({"id": 1, "v": 3}, {"id": 9, "v": 2}, Options(may_differ=["return.id"]), "return")
print(json.dumps(out))`) as Record<string, string | null>;
    expect(out.counter).toMatch(/got collections.Counter .*expected dict/);
    expect(out.negzero).toBe("['x'][1]: got -0.0, expected 0.0 (sign of zero)");
    expect(out.tuple).toMatch(/^\[0\]: got tuple \(1, 2\), expected list \[1, 2\]/);
    expect(out.order).toMatch(/key order differs at position 0/);
    expect(out.string).toMatch(/differs at index 4/);
    expect(out.close).toBeNull();
    expect(out.equal).toBeNull();
    expect(out.plain_counter).toBeNull(); // what the strict layer adds
    expect(out.loose_tuple).toBeNull();
    expect(out.may_differ).toBeNull();
    expect(out.may_differ_other).toBe("return['v']: got 3, expected 2");
  });

  it('refuses to unpickle anything but classes and reconstructors from safe modules', () => {
    const out = py(`
import json, pickle, os
from adrs_capture import load_blob, dump_blob
class Evil:
    def __reduce__(self):
        return (os.system, ("true",))
ok = load_blob(dump_blob({"a": [1.5, (2, 3)]}, 10**6))
bad = load_blob(("value", pickle.dumps(Evil())))
print(json.dumps({"ok": repr(ok), "bad": list(bad)}))`) as { ok: string; bad: string[] };
    expect(out.ok).toBe("{'a': [1.5, (2, 3)]}");
    expect(out.bad[0]).toBe('__adrs_opaque__');
    expect(out.bad[1]).toMatch(/refused to load (posix|os)\.system/);
  });
});

describe('adrs_changed', () => {
  it('maps changed lines to the enclosing function or method, and module-level changes to every function', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-changed-'));
    try {
      for (const side of ['base', 'patched']) mkdirSync(path.join(dir, side, 'pkg'), { recursive: true });
      const base =
        'def f(x):\n    return x\n\n\nclass C:\n    k = 1\n\n    def m(self):\n        def inner():\n            return 1\n        return inner()\n\n\ndef g():\n    return 2\n';
      const patched = base
        .replace('            return 1', '            return 1 + 0')
        .replace('    return 2', '    return 2\n\n\ndef h():\n    return 3');
      for (const [side, text] of [
        ['base', base],
        ['patched', patched],
      ] as const) {
        writeFileSync(path.join(dir, side, 'pkg', '__init__.py'), '');
        writeFileSync(path.join(dir, side, 'pkg', 'mod.py'), text);
      }
      let diff = '';
      try {
        execFileSync('diff', ['-u', 'base/pkg/mod.py', 'patched/pkg/mod.py'], { cwd: dir });
      } catch (e) {
        diff = String((e as { stdout: Buffer }).stdout)
          .replace('--- base/', '--- a/')
          .replace('+++ patched/', '+++ b/');
      }
      writeFileSync(path.join(dir, 'p.diff'), diff);
      const out = py(`
import json
from adrs_changed import changed_targets
t, notes = changed_targets(open("${dir}/p.diff").read(), "${dir}/base", "${dir}/patched")
print(json.dumps({"targets": sorted(x["module"] + "." + x["qualname"] for x in t), "notes": notes}))`) as {
        targets: string[];
        notes: string[];
      };
      // inner() changed: its method C.m is the target; h() is new (covered through callers); g() gained lines after it.
      expect(out.targets).toContain('pkg.mod.C.m');
      expect(out.targets).not.toContain('pkg.mod.f');
      expect(out.notes.join(' ')).toContain('pkg.mod.h: new in the patch');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
