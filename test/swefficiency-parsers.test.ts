// Per-repository test runners and log parsers (harness/swe_specs.py) on real output of real projects' runners.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { harnessDir } from '../problems/src/swefficiency/package.js';

const DIST = '/usr/lib/python3/dist-packages';
const PY = '/usr/bin/python3';
const scratch = mkdtempSync(path.join(tmpdir(), 'adrs-swe-parsers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Debian packages whose sources and tests these runs use; CI installs them (.ci/run). */
function missing(modules: string[]): string | undefined {
  for (const m of modules) {
    const r = spawnSync(PY, ['-c', `import ${m}`], { stdio: 'ignore' });
    if (r.status !== 0) return m;
  }
  return undefined;
}
const absent = missing(['pytest', 'xdist', 'sympy', 'xarray', 'dask', 'pandas', 'numpy']);
if (absent) {
  const msg = `*** swefficiency-parsers: SKIPPED: ${PY} lacks ${absent} (apt-get install python3-pytest python3-pytest-xdist python3-sympy python3-xarray python3-dask python3-pandas) ***`;
  if (process.env.CI === 'true') throw new Error(msg + ' CI=true: failing instead of skipping');
  console.warn(`\n${msg}\n`);
}

/** Runs a python snippet with the harness on sys.path; returns its stdout. */
function py(code: string, args: string[] = []): string {
  const r = spawnSync(PY, ['-c', code, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: harnessDir() },
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

/** The repository's official test command (or an override) and the argument for one test file. */
function spec(repo: string, override = '', file = 'x.py', version = ''): { cmd: string; arg: string } {
  return JSON.parse(
    py(
      'import json, sys, swe_specs as s; print(json.dumps({"cmd": s.test_cmd(sys.argv[1], sys.argv[2]), "arg": s.directive(sys.argv[1], sys.argv[4], sys.argv[3])}))',
      [repo, override, file, version],
    ),
  ) as { cmd: string; arg: string };
}

/** {test: status} from a log, by the repository's parser. */
function parse(repo: string, log: string): Record<string, string> {
  const f = path.join(scratch, `log-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(f, log);
  return JSON.parse(
    py(
      'import json, sys, swe_specs as s; print(json.dumps(s.parser_for(sys.argv[1])(open(sys.argv[2]).read())))',
      [repo, f],
    ),
  ) as Record<string, string>;
}

/** Runs a repository's test command on one file in cwd, as the harness does (a shell; stdout is what is parsed). */
function runTests(
  cwd: string,
  cmd: string,
  arg: string,
  pythonPath?: string,
): { stdout: string; status: number } {
  const r = spawnSync('/bin/sh', ['-c', `${cmd} ${arg}`], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: {
      ...process.env,
      PATH: `/usr/bin:/bin`,
      PYTHONDONTWRITEBYTECODE: '1',
      ...(pythonPath ? { PYTHONPATH: pythonPath } : {}),
    },
  });
  return { stdout: r.stdout, status: r.status ?? -1 };
}

/** A copy of a Debian package's source tree (tests included) under scratch/name/<pkg>, with one edit made. */
function brokenCopy(name: string, pkg: string, file: string, from: string, to: string): string {
  const root = path.join(scratch, name);
  cpSync(path.join(DIST, pkg), path.join(root, pkg), {
    recursive: true,
    filter: (p) => !p.endsWith('__pycache__'),
  });
  const target = path.join(root, pkg, file);
  const text = readFileSync(target, 'utf8');
  if (!text.includes(from)) throw new Error(`${target}: no ${JSON.stringify(from)} to break`);
  writeFileSync(target, text.replace(from, to));
  return root;
}

const countOf = (map: Record<string, string>, status: string): number =>
  Object.values(map).filter((s) => s === status).length;

describe('official test commands per repository', () => {
  it('has the harness command of each of the nine repositories, and an instance override wins', () => {
    expect(spec('sympy/sympy').cmd).toBe(
      "PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' bin/test --no-subprocess --verbose",
    );
    expect(spec('dask/dask').cmd).toContain('pytest -n0 -rA');
    expect(spec('astropy/astropy').cmd).toBe('pytest -rA -vv -o console_output_style=classic --tb=no');
    expect(spec('pandas-dev/pandas').cmd).toContain(
      '-m "not slow and not network and not db and not single_cpu"',
    );
    for (const repo of [
      'numpy/numpy',
      'scipy/scipy',
      'pydata/xarray',
      'scikit-learn/scikit-learn',
      'matplotlib/matplotlib',
    ])
      expect(spec(repo).cmd).toBe(
        'pytest --no-header -rA --tb=no -p no:cacheprovider --continue-on-collection-errors',
      );
    expect(spec('sympy/sympy', 'my-runner -v').cmd).toBe('my-runner -v');
    // Early scipy versions take a module name, later ones the file.
    expect(spec('scipy/scipy', '', 'scipy/linalg/tests/test_basic.py', '0.18').arg).toBe(
      'scipy.linalg.tests.test_basic',
    );
    expect(spec('scipy/scipy', '', 'scipy/linalg/tests/test_basic.py', '1.10').arg).toBe(
      'scipy/linalg/tests/test_basic.py',
    );
  });
});

describe.skipIf(absent)('parsers on real output of real runners (Debian packages)', () => {
  it("sympy's own runner: bare test names, failures and a file's last test with its [OK]/[FAIL] tail", () => {
    // Debian ships no bin/test; bin/test is a thin wrapper over sympy.testing.runtests.test, called here directly
    // with the same options (--no-subprocess, --verbose).
    const root = brokenCopy(
      'sympy',
      'sympy',
      'utilities/iterables.py',
      'return x[y:] + x[:y]',
      'return x[:y] + x[y:]',
    );
    const override =
      "PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' /usr/bin/python3 -c 'import sys, sympy; sys.exit(not sympy.test(*sys.argv[1:], subprocess=False, verbose=True))'";
    const { stdout, status } = runTests(
      root,
      spec('sympy/sympy', override).cmd,
      'sympy/utilities/tests/test_iterables.py',
      root,
    );
    expect(status).toBe(1);
    const map = parse('sympy/sympy', stdout);
    const summary = /tests finished: (\d+) passed, (\d+) failed/.exec(stdout);
    expect(summary, stdout.slice(-800)).not.toBeNull();
    expect(countOf(map, 'PASSED')).toBe(Number(summary![1]));
    expect(map.test_rotate).toBe('FAILED');
    expect(map['sympy/utilities/tests/test_iterables.py:test_rotate']).toBe('FAILED');
    expect(map.test_flatten).toBe('PASSED');
    // The last test of the file carries the [OK]/[FAIL] tail and is still read.
    const last = stdout.split('\n').find((l) => /^test_\w+ (ok|F|E)\s+\[(OK|FAIL)\]$/.test(l.trim()));
    expect(last, 'a tail line').toBeDefined();
    expect(map[last!.trim().split(' ')[0]!]).toMatch(/PASSED|FAILED|ERROR/);
  }, 300_000);

  it('xarray: -rA summary lines, a failure reason dropped, parametrisations kept', () => {
    const root = brokenCopy(
      'xarray',
      'xarray',
      'core/utils.py',
      'return bool(np.isclose(diffs.min(), diffs.max(), **kwargs))',
      'return True',
    );
    const { stdout, status } = runTests(root, spec('pydata/xarray').cmd, 'xarray/tests/test_utils.py', root);
    expect(status).toBe(1);
    const map = parse('pydata/xarray', stdout);
    const summary = /(\d+) failed, (\d+) passed/.exec(stdout);
    expect(summary, stdout.slice(-800)).not.toBeNull();
    expect(countOf(map, 'FAILED')).toBe(Number(summary![1]));
    expect(countOf(map, 'PASSED')).toBe(Number(summary![2]));
    for (const name of Object.keys(map)) expect(name).toMatch(/^xarray\/tests\/test_utils\.py::\S+$/);
    expect(Object.keys(map).some((n) => n.includes('['))).toBe(true);
  }, 300_000);

  it('dask: its -n0 command (pytest-xdist) and plain pytest parsing', () => {
    const { stdout, status } = runTests(DIST, spec('dask/dask').cmd, 'dask/tests/test_hashing.py');
    expect(status, stdout.slice(-800)).toBe(0);
    const map = parse('dask/dask', stdout);
    expect(countOf(map, 'PASSED')).toBe(Number(/(\d+) passed/.exec(stdout)![1]));
    expect(map['dask/tests/test_hashing.py::test_hashers[_hash_sha1]']).toBe('PASSED');
  }, 300_000);

  it('pandas: the verbose command with markers; verbose "name PASSED [ n%]" lines do not add names', () => {
    const { stdout, status } = runTests(
      DIST,
      spec('pandas-dev/pandas').cmd,
      'pandas/tests/tools/test_to_time.py',
    );
    expect(status, stdout.slice(-800)).toBe(0);
    const map = parse('pandas-dev/pandas', stdout);
    expect(stdout).toMatch(/::\S+ PASSED\s+\[\s*\d+%\]/);
    expect(countOf(map, 'PASSED')).toBe(Number(/(\d+) passed/.exec(stdout)![1]));
    for (const name of Object.keys(map))
      expect(name).toMatch(/^pandas\/tests\/tools\/test_to_time\.py::\S+$/);
  }, 300_000);

  it('numpy (and scipy, same parser): a parametrised test keeps its bare name only when it has one case', () => {
    const { stdout, status } = runTests(
      DIST,
      spec('numpy/numpy').cmd,
      'numpy/core/tests/test_numerictypes.py',
    );
    expect(status, stdout.slice(-800)).toBe(0);
    const raw = parse('dask/dask', stdout); // plain pytest parsing, for comparison
    const map = parse('numpy/numpy', stdout);
    const prefixes = new Map<string, number>();
    for (const n of Object.keys(raw))
      prefixes.set(n.split('[')[0]!, (prefixes.get(n.split('[')[0]!) ?? 0) + 1);
    const multi = [...prefixes].filter(([, c]) => c > 1).map(([p]) => p);
    expect(multi.length).toBeGreaterThan(0);
    for (const p of multi) expect(map[p]).toBeUndefined();
    for (const n of Object.keys(map)) expect(n).not.toContain('[');
    expect(Object.keys(map).length).toBe([...prefixes].filter(([, c]) => c === 1).length);
  }, 300_000);
});

describe('parsers whose runners cannot run here', () => {
  // astropy, matplotlib, scikit-learn and scipy are not packaged with their tests for this Debian's python3 (or
  // need a build), so their runners do not run here: these lines follow their runners' formats.
  it('astropy / scikit-learn: colour codes stripped, and classic verbose "name STATUS" lines read', () => {
    const log = [
      'astropy/units/tests/test_units.py::test_getting_started PASSED',
      'astropy/units/tests/test_units.py::test_repr FAILED',
      '\u001b[32mPASSED\u001b[0m astropy/units/tests/test_units.py::test_str',
      'FAILED astropy/units/tests/test_units.py::test_bad - AssertionError: x - y',
      'XPASS astropy/units/tests/test_units.py::test_xp',
    ].join('\n');
    const map = parse('astropy/astropy', log);
    expect(map).toEqual({
      'astropy/units/tests/test_units.py::test_getting_started': 'PASSED',
      'astropy/units/tests/test_units.py::test_repr': 'FAILED',
      'astropy/units/tests/test_units.py::test_str': 'PASSED',
      'astropy/units/tests/test_units.py::test_bad': 'FAILED',
    });
    expect(parse('scikit-learn/scikit-learn', log)).toEqual(map);
  });

  it('matplotlib: MouseButton parameters spelled as numbers', () => {
    const map = parse(
      'matplotlib/matplotlib',
      'PASSED lib/matplotlib/tests/test_widgets.py::test_x[MouseButton.LEFT-1]\n',
    );
    expect(map).toEqual({ 'lib/matplotlib/tests/test_widgets.py::test_x[1-1]': 'PASSED' });
  });

  it('an unknown repository reads plain pytest summary lines', () => {
    expect(existsSync(path.join(harnessDir(), 'swe_specs.py'))).toBe(true);
    expect(parse('someone/else', 'PASSED a.py::t\nERROR b.py::u - boom\n')).toEqual({
      'a.py::t': 'PASSED',
      'b.py::u': 'ERROR',
    });
  });
});
