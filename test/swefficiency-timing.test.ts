// Workload timing as the official SWE-fficiency harness does it (run-to-run isolation), on real sympy and real workloads.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HARNESS_FILES, harnessDir } from '../problems/src/swefficiency/package.js';
import { missingDebianModule } from './fixtures/swe-real/real.js';

const PY = '/usr/bin/python3';
const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'swe-timing');
// The shared data files (../shared/data/swefficiency beside the checkout; ADRS_SWE_SHARED_DATA names another folder).
const DATA = path.join(
  process.env.ADRS_SWE_SHARED_DATA ??
    path.resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'swefficiency'),
  'workloads.jsonl',
);
const absent = missingDebianModule();
for (const [gone, what] of [
  [absent, `/usr/bin/python3 lacks ${absent} (apt-get install python3-sympy)`],
  [!existsSync(DATA) && DATA, `${DATA} is absent (the shared SWE-fficiency data files)`],
] as const) {
  if (!gone) continue;
  const msg = `*** swefficiency-timing: SKIPPED: ${what} ***`;
  if (process.env.CI === 'true') throw new Error(msg + ' CI=true: failing instead of skipping');
  console.warn(`\n${msg}\n`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'adrs-swe-timing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  pid: number;
  what: string;
  cached: number;
}
interface Timed {
  out: string;
  log: Line[];
  repeats: number[];
  counted: number[];
  plan: { number: number; repeat: number; slice: string | null; prewarm_line: number | null } | null;
}

let n = 0;
/** Runs swe_workload.py on a fixture workload; returns its output, the workload's own log and the times file. */
function timed(name: string, extra: string[] = []): Timed {
  const log = path.join(dir, `log-${++n}`);
  const times = path.join(dir, `times-${n}.json`);
  const out = execFileSync(
    PY,
    [path.join(harnessDir(), 'swe_workload.py'), path.join(FIXTURES, name), '--times-out', times, ...extra],
    { encoding: 'utf8', env: { PATH: process.env.PATH, ADRS_TEST_LOG: log } },
  );
  const data = JSON.parse(readFileSync(times, 'utf8')) as Omit<Timed, 'out' | 'log'>;
  return { out, log: parseLog(log), ...data };
}

function parseLog(file: string): Line[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [pid, what, cached] = l.split(' ');
      return { pid: Number(pid), what: what!, cached: Number(cached) };
    });
}

/** The log lines per child process (every pid but the parent's), in order of first appearance. */
function children(log: Line[], parent: number): Line[][] {
  const by = new Map<number, Line[]>();
  for (const l of log) if (l.pid !== parent) by.set(l.pid, [...(by.get(l.pid) ?? []), l]);
  return [...by.values()];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const printed = (out: string, key: string): number =>
  Number(new RegExp(`^${key}:\\s*(\\S+)`, 'm').exec(out)![1]);

describe.skipIf(absent || !existsSync(DATA))('run-to-run isolation as the official harness does it', () => {
  it('one forked child per repeat runs setup, then `number` calls; the parent never times', () => {
    const r = timed('cold.py');
    const parent = r.log[0]!.pid;
    expect(r.log[0]!.what).toBe('top');
    const kids = children(r.log, parent);
    expect(kids).toHaveLength(4);
    for (const kid of kids)
      expect(kid.map((l) => l.what)).toEqual(['setup', 'workload', 'workload', 'workload']);
    expect(r.log.filter((l) => l.pid === parent).map((l) => l.what)).toEqual(['top']);
    // Nothing a repeat cached reaches the next: every child starts with sympy's cache as the parent left it, and
    // fills it again (the later calls inside one repeat find it warm, as timeit's `number` calls do).
    for (const kid of kids) {
      expect(kid[0]!.cached).toBe(r.log[0]!.cached);
      expect(kid[2]!.cached).toBeGreaterThan(kid[1]!.cached);
    }
    expect(r.repeats).toHaveLength(4);
  });

  it("a pre-warm that fills sympy's cache runs in the parent before the repeats (moved there if written after them), so the children inherit it, as the official fork children do", () => {
    const r = timed('prewarm-cache.py');
    const parent = r.log[0]!.pid;
    expect(r.plan?.prewarm_line).toBeGreaterThan(0);
    // top-level code, then the official pre-warm: setup() and workload() in the parent, before any child.
    expect(r.log.slice(0, 3).map((l) => [l.pid, l.what])).toEqual([
      [parent, 'top'],
      [parent, 'setup'],
      [parent, 'workload'],
    ]);
    expect(r.log.filter((l) => l.pid === parent)).toHaveLength(3);
    const kids = children(r.log, parent);
    expect(kids).toHaveLength(4);
    const cold = timed('cold.py');
    const coldFirst = children(cold.log, cold.log[0]!.pid)[0]![1]!.cached;
    for (const kid of kids) {
      expect(kid.map((l) => l.what)).toEqual(['setup', 'workload', 'workload', 'workload']);
      // Warm from the first call: the cache already holds what the workload adds, more than a cold child has.
      expect(kid[1]!.cached).toBeGreaterThan(coldFirst);
      expect(kid[3]!.cached).toBe(kid[1]!.cached);
    }
  });

  it("mean and std over the script's runtimes[...] slice; number and repeat as literals only (else 1 and 5); lines between the timing and the prints run after them", () => {
    const r = timed('as-official.py');
    expect(r.plan).toMatchObject({ number: 1, repeat: 5, slice: '-3:' });
    const parent = r.log.at(-1)!.pid;
    expect(r.log.at(-1)!.what).toBe('between');
    const kids = children(r.log, parent);
    expect(kids).toHaveLength(5);
    for (const kid of kids) expect(kid.map((l) => l.what)).toEqual(['setup', 'workload']);
    expect(r.repeats).toHaveLength(5);
    expect(r.counted).toEqual(r.repeats.slice(-3));
    // The script prints the mean of all runtimes; the official harness (and adrs) the mean of the slice.
    expect(printed(r.out, 'Mean')).toBeCloseTo(mean(r.repeats.slice(-3)), 12);
    expect(printed(r.out, 'Std Dev')).toBeGreaterThan(0);
  });

  it('the four instances the official harness exempts run the workload unchanged, in one process', () => {
    const pkg = mkdtempSync(path.join(dir, 'pkg-'));
    for (const f of HARNESS_FILES) cpSync(path.join(harnessDir(), f), path.join(pkg, f));
    cpSync(path.join(FIXTURES, 'cold.py'), path.join(pkg, 'workload.py'));
    const probe = path.join(pkg, 'probe.py');
    writeFileSync(
      probe,
      [
        'import json, sys, time',
        `sys.path.insert(0, ${JSON.stringify(pkg)})`,
        'import swe_eval',
        `ctx = swe_eval.Ctx({"instance_id": sys.argv[1], "python": "${PY}"}, ${JSON.stringify(pkg)}, time.time() + 600)`,
        'ctx.env["ADRS_TEST_LOG"] = sys.argv[2]',
        'mean, std, repeats, _ = swe_eval.run_workload(ctx)',
        'print(json.dumps({"mean": mean, "repeats": repeats}))',
      ].join('\n'),
    );
    const pids = (id: string): number => {
      const log = path.join(dir, `exempt-${id}`);
      execFileSync(PY, [probe, id, log], { encoding: 'utf8' });
      return new Set(parseLog(log).map((l) => l.pid)).size;
    };
    expect(pids('pydata__xarray-9808')).toBe(1);
    expect(pids('scikit-learn__scikit-learn-29330')).toBe(1);
    expect(pids('sympy__sympy-24485')).toBe(5); // the parent and one child per repeat
  });

  it('reads real workloads as the official plan does: three name their number and repeat (then 1 and 5), two time inside a try (outside the template)', () => {
    const out = execFileSync(PY, [path.join(harnessDir(), 'swe_workload.py'), '--check-jsonl', DATA], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out) as { official_plan: number; syntax_errors: unknown[]; no_workload: unknown[] };
    expect(r.official_plan).toBe(447);
    const rows = readFileSync(DATA, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { instance_id: string; workload?: string });
    for (const id of ['astropy__astropy-16088', 'astropy__astropy-17461', 'pandas-dev__pandas-26776']) {
      const file = path.join(dir, `${id}.py`);
      writeFileSync(file, rows.find((x) => x.instance_id === id)!.workload!);
      const plan = JSON.parse(
        execFileSync(PY, [path.join(harnessDir(), 'swe_workload.py'), '--plan', file], { encoding: 'utf8' }),
      ) as { number: number; repeat: number };
      expect(plan, id).toMatchObject({ number: 1, repeat: 5 });
    }
    for (const id of ['numpy__numpy-19599', 'numpy__numpy-19609']) {
      const file = path.join(dir, `${id}.py`);
      writeFileSync(file, rows.find((x) => x.instance_id === id)!.workload!);
      const plan = execFileSync(PY, [path.join(harnessDir(), 'swe_workload.py'), '--plan', file], {
        encoding: 'utf8',
      });
      expect(plan.trim(), id).toBe('null');
    }
  });
});
