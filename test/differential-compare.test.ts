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

describe('adrs_changed: a patch made on another version of the file', () => {
  it('places each hunk where its lines are (as git apply does), not at the line numbers it states', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-changed-offset-'));
    try {
      mkdirSync(path.join(dir, 'base', 'pkg'), { recursive: true });
      writeFileSync(path.join(dir, 'base', 'pkg', '__init__.py'), '');
      // 30 lines more above the changed function than the patch's own version of the file had.
      const pad = Array.from({ length: 30 }, (_, i) => `X${i} = ${i}\n`).join('');
      writeFileSync(
        path.join(dir, 'base', 'pkg', 'mod.py'),
        `def early():\n    return 0\n\n\n${pad}\ndef late(x):\n    y = x + 1\n    return y\n`,
      );
      const diff = [
        '--- a/pkg/mod.py',
        '+++ b/pkg/mod.py',
        '@@ -5,3 +5,3 @@',
        ' def late(x):',
        '-    y = x + 1',
        '+    y = 1 + x',
        '     return y',
        '',
      ].join('\n');
      const out = py(`
import json
from adrs_changed import changed_targets
t, notes = changed_targets(${JSON.stringify(diff)}, "${dir}/base")
print(json.dumps(sorted(x["qualname"] for x in t)))`) as string[];
      expect(out).toEqual(['late']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('adrs_capture', () => {
  it('captures through the code object: calls from a dispatch table bound at class creation, super(), generators', () => {
    const out = py(`
import json, sys, types
mod = types.ModuleType("m")
exec('''
class Base:
    def area(self, k):
        return k

class Shape(Base):
    def area(self, k):
        return super().area(k) * 2

    def side(self, k):
        return k + 1

    TABLE = {"side": side}

    def dispatch(self, name, k):
        return self.TABLE[name](self, k)

def count(n):
    return (i * i for i in range(n))

def opaque():
    return lambda: 1
''', mod.__dict__)
sys.modules["m"] = mod
from adrs_capture import Recorder, digest
rec = Recorder()
wrapped = rec.install([{"module": "m", "qualname": q, "root": ""} for q in ("Shape.area", "Shape.side", "count", "opaque")])
s = mod.Shape()
got = [s.dispatch("side", k) for k in (1, 2, 2, 3)] + [s.area(5)] + [list(mod.count(4))]
mod.opaque()
table = rec.summary()["table"]
print(json.dumps({"wrapped": wrapped, "got": got, "counts": rec.counts,
  "side_args": len(table["m.Shape.side"]), "gen": rec.records()[-2]["key"] if rec.records() else None,
  "missed": rec.summary()["missed"], "parts": digest([1, lambda: 2]) != digest([2, lambda: 2]),
  "nc": digest(lambda: 1)}))`) as {
      wrapped: string[];
      got: unknown[];
      counts: Record<string, number>;
      side_args: number;
      missed: Record<string, string[]>;
      parts: boolean;
      nc: string;
    };
    expect(out.wrapped).toEqual(['m.Shape.area', 'm.Shape.side', 'm.count', 'm.opaque']);
    expect(out.got).toEqual([2, 3, 3, 4, 10, [0, 1, 4, 9]]);
    // The table entry (bound when the class body ran) is the same function object: its calls are seen.
    expect(out.counts['m.Shape.side']).toBe(4);
    expect(out.side_args).toBe(3); // matched by arguments: (s, 2) twice is one argument set
    expect(out.counts['m.Shape.area']).toBe(1);
    expect(out.counts['m.count']).toBe(1);
    // A lambda does not pickle: compared by type only, and said so; a list with one is hashed part by part.
    expect(out.missed['m.opaque']).toEqual(['function']);
    expect(out.parts).toBe(true);
    expect(out.nc).toBe('nc:function');
  });

  it('a value that cannot be compared is "not compared", a different type still differs', () => {
    const out = py(`
import json
from adrs_diffcompare import Options, first_difference, OPAQUE
o = Options()
same = first_difference((OPAQUE, "does not pickle", "Lock", "<lock>"), (OPAQUE, "does not pickle", "Lock", "<lock>"), o, "r")
half = first_difference({"a": 1, "b": (OPAQUE, "too big", "dict", "{...}")}, {"a": 1, "b": {"x": 1}}, o, "r")
other = first_difference((OPAQUE, "does not pickle", "Lock", "<lock>"), 3, o, "r")
class Broken:
    def __eq__(self, other):
        raise RuntimeError("state lost")
broke = first_difference([Broken()], [Broken()], o, "r")
print(json.dumps({"same": same, "half": half, "other": other, "broke": broke, "nc": [p for p, _ in o.not_compared]}))`) as {
      same: string | null;
      half: string | null;
      other: string | null;
      broke: string | null;
      nc: string[];
    };
    expect(out.same).toBeNull();
    expect(out.half).toBeNull();
    expect(out.other).toMatch(/^r: got <lock>, expected 3/);
    expect(out.broke).toBeNull();
    expect(out.nc).toEqual(['r', "r['b']", 'r[0]']);
  });

  it('the judge takes two pickles as the same value only when they are, up to shared strings (then loads nothing)', () => {
    const out = py(`
import json, pickle, sys
from adrs_diffjudge import _same
b = lambda v: ("value", pickle.dumps(v, protocol=4))
key = "".join(["commu", "tative"])  # an equal string, not the same object
shared = {"commutative": True}
copied = {key: True}
x = [1]
cases = {
    "identical": _same(b([shared, shared]), b([shared, shared])),
    "shared key vs copied key": _same(b([{"commutative": 1}, {"commutative": 2}]), b([{"commutative": 1}, {key: 2}])),
    "(their pickles differ)": b([{"commutative": 1}, {"commutative": 2}]) != b([{"commutative": 1}, {key: 2}]),
    "other value": _same(b([{"commutative": 1}]), b([{"commutative": 2}])),
    "other key": _same(b([{"commutative": 1}]), b([{"commutativ": 1}])),
    "int vs float": _same(b([1]), b([1.0])),
    "one list twice vs two lists": _same(b([x, x]), b([[1], [1]])),
    "opaque": _same(("opaque", "x"), ("opaque", "x")),
    "not a pickle": _same(("value", b"garbage"), ("value", b"garbage2")),
}
print(json.dumps({"cases": cases, "loaded": [m for m in ("numpy", "sympy", "pandas") if m in sys.modules]}))`) as {
      cases: Record<string, boolean>;
      loaded: string[];
    };
    expect(out.cases).toEqual({
      identical: true,
      'shared key vs copied key': true,
      '(their pickles differ)': true,
      'other value': false,
      'other key': false,
      'int vs float': false,
      'one list twice vs two lists': false,
      opaque: false,
      'not a pickle': false,
    });
    expect(out.loaded).toEqual([]);
  });
});
