// The guard's syntax-tree rules for Python: evasions the line patterns missed are refused; real seeds still pass.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardFiles } from '../evaluators/guard/check.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SEED = 'import numpy as np\n\ndef solve(x):\n    return x\n';

/** The evasions found by hand against the line rules (issue 16) and a few more of the same kind. */
const EVASIONS: [string, string, string][] = [
  ['__import__ of a concatenated name', "m = __import__('ins' + 'pect')", 'introspection'],
  [
    'getattr with a concatenated frame name',
    "import sys\nf = getattr(sys, '_get' + 'frame')(1)",
    'introspection',
  ],
  [
    'an ADRS_ name built from pieces',
    'import os\nv = os.environ.get("AD" + "RS_" + "RESULT")',
    'evaluator-access',
  ],
  ['an ADRS_ name from an f-string of constants', 'k = f\'AD{"RS"}_SEED\'', 'evaluator-access'],
  [
    'sys.modules as a door to __main__',
    'import sys\nsys.modules["__main__"]._clock = lambda: 0',
    'introspection',
  ],
  [
    'importlib with a computed name',
    "import importlib\nt = importlib.import_module('ti' + 'me')",
    'introspection',
  ],
  [
    'setattr of a timer through a folded name',
    "import time\nsetattr(time, 'perf_' + 'counter', lambda: 0)",
    'timer-patch',
  ],
  ['getattr on sys with a computed name', "import sys\nn = 'x'\ng = getattr(sys, n)", 'introspection'],
  ['vars() of a module', 'import sys\nv = vars(sys)', 'introspection'],
  ['ctypes from a joined string', "c = __import__(''.join(['ct', 'ypes']))", 'ffi'],
  ['a builtin replaced', 'import builtins\nbuiltins.__import__ = None', 'timer-patch'],
];

describe('guard: Python syntax-tree rules', () => {
  it.each(EVASIONS)('refuses %s', (_name, code, rule) => {
    const report = guardFiles({ 'prog.py': SEED }, { 'prog.py': SEED + code + '\n' });
    expect(report.ok, JSON.stringify(report.violations)).toBe(false);
    expect(report.violations.map((v) => v.rule)).toContain(rule);
    expect(report.reason).toMatch(/^guard refused the patch: prog\.py:\d+ \[/);
  });

  it('passes the real EPLB seed written as a new file, and plain code using time and sys normally', () => {
    const eplb = readFileSync(path.join(ROOT, 'problems', 'moe-eplb', 'seed', 'eplb.py'), 'utf8');
    expect(guardFiles({}, { 'eplb.py': eplb }).violations).toEqual([]);
    const plain =
      'import sys\nimport time\nt0 = time.perf_counter()\nsys.path.insert(0, ".")\nprint(sys.argv)\n';
    expect(guardFiles({ 'prog.py': SEED }, { 'prog.py': SEED + plain }).violations).toEqual([]);
  });

  it('only judges added lines: an evasion already in the seed is not the candidate’s', () => {
    const seeded = SEED + "m = __import__('ins' + 'pect')\n";
    expect(guardFiles({ 'prog.py': seeded }, { 'prog.py': seeded + 'y = 1\n' }).ok).toBe(true);
  });

  it('respects guard.allow for a rule the problem needs', () => {
    const code = SEED + "m = __import__('ins' + 'pect')\n";
    expect(guardFiles({ 'prog.py': SEED }, { 'prog.py': code }, { allow: ['introspection'] }).ok).toBe(true);
  });
});
