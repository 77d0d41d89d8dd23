// The red-team routes as real hostile candidates, run through the real evaluators of matmul-cpu and moe-eplb in a given sandbox.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaSync } from 'execa';
import { runEvaluation } from '../../evaluators/run-evaluation.js';
import type { EvaluationOutcome } from '../../evaluators/result.js';
import type { Sandbox, SandboxLimits } from '../../sandboxes/types.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const HOSTILE = path.join(import.meta.dirname, 'candidates');
const MATMUL = path.join(ROOT, 'problems', 'matmul-cpu');
const EPLB = path.join(ROOT, 'problems', 'moe-eplb');
/** The disk cap every red-team session gets; the disk-fill case checks it holds. */
export const DISK_MB = 48;
const LIMITS: SandboxLimits = {
  wallTimeMs: 90_000,
  memoryMb: 1024,
  pids: 64,
  outputBytes: 64 * 1024,
  diskMb: DISK_MB,
};

export interface RedteamCase {
  name: string;
  problem: 'matmul' | 'eplb';
  file: string;
  /** What must hold of the outcome; returns a reason when it does not. */
  expect: (outcome: EvaluationOutcome, text: string) => string | undefined;
}

/** Every text an outcome carries (feedback, artifacts, tails), to look for forged markers and leaks. */
export function outcomeText(outcome: EvaluationOutcome): string {
  const parts = [outcome.stderrTail, outcome.stdoutTail];
  if ('result' in outcome) parts.push(outcome.result.feedback, JSON.stringify(outcome.result.artifacts));
  else parts.push(outcome.reason, outcome.feedback);
  return parts.join('\n');
}

/** The verdict itself (not the candidate's own output, which may quote its forgery as text). */
const notForged = (o: EvaluationOutcome, _text: string): string | undefined => {
  const verdict = 'result' in o ? o.result.feedback : o.reason;
  if (verdict.includes('FORGED')) return 'a forged result reached the verdict';
  if ('result' in o && (o.result.metrics.gflops ?? 0) > 1000) return 'forged GFLOP/s reached the metrics';
  if ('result' in o && (o.result.metrics.score ?? 0) > 200) return 'forged score reached the metrics';
  return undefined;
};
const noLeak = (_o: EvaluationOutcome, text: string): string | undefined => {
  const leak = text.split('\n').find((l) => l.includes('LEAKED'));
  return leak ? `the candidate reached something of the trusted side: ${leak}` : undefined;
};
const rejected =
  (pattern: RegExp) =>
  (o: EvaluationOutcome, text: string): string | undefined =>
    notForged(o, text) ??
    noLeak(o, text) ??
    (o.status === 'ok'
      ? 'the hostile candidate was judged correct'
      : pattern.test(text)
        ? undefined
        : `the verdict does not say why (wanted ${pattern}): ${text.slice(0, 400)}`);

export const CASES: RedteamCase[] = [
  {
    name: 'C kernel writes fake results to every descriptor and /proc/<pid>/fd, reads /proc/<pid>/cmdline, exits',
    problem: 'matmul',
    file: 'fd-forge.c',
    expect: rejected(/closed its output|exited|crashed/),
  },
  {
    name: 'C kernel takes over the result file from /proc/*/environ with a raw-syscall daemon, FIFOs and renames',
    problem: 'matmul',
    file: 'result-takeover.c',
    expect: rejected(/wrong result/),
  },
  {
    name: 'C kernel plants an .init_array constructor with asm and interposes write()',
    problem: 'matmul',
    file: 'constructor-asm.c',
    expect: rejected(/exports symbols other than matmul|static constructors/),
  },
  {
    name: 'C kernel looks for a memoised answer: evaluator environ and memory, trusted folders, other processes',
    problem: 'matmul',
    file: 'memo-reach.c',
    expect: (o, text) =>
      notForged(o, text) ??
      noLeak(o, text) ??
      (o.status === 'ok' ? undefined : `an honest kernel was not judged correct: ${text.slice(0, 300)}`),
  },
  {
    name: 'C kernel fills the disk',
    problem: 'matmul',
    file: 'disk-fill.c',
    expect: (o, text) => {
      const filled = [...text.matchAll(/FILLED (\w+) (\d+) MB/g)].map((m) => Number(m[2]));
      if (filled.length === 0) return `the disk-fill report is missing: ${text.slice(0, 300)}`;
      if (filled.some((mb) => mb > DISK_MB))
        return `wrote ${Math.max(...filled)} MB past the ${DISK_MB} MB cap`;
      return o.status === 'ok' ? undefined : `the session did not survive the fill: ${text.slice(0, 300)}`;
    },
  },
  {
    name: 'Python patches the timer (module globals, builtins, obfuscated imports, ctypes from strings) and runs slowly',
    problem: 'eplb',
    file: 'timer-patch.py',
    expect: (o) => {
      if (o.status !== 'ok') return `the honest-but-slow candidate failed: ${'reason' in o ? o.reason : ''}`;
      const times = o.result.timings.algorithm ?? [];
      if (times.length === 0) return 'no timings';
      if (Math.min(...times) < 0.25)
        return `the patched timer reached the measurement: ${Math.min(...times)} s`;
      return undefined;
    },
  },
  {
    name: 'Python reads ADRS_RESULT from the parent environ and races a setsid daemon with FIFOs and renames',
    problem: 'eplb',
    file: 'parent-environ.py',
    expect: rejected(/expected a tuple|returns/),
  },
  {
    name: 'Python stops, traces and kills every process it can see',
    problem: 'eplb',
    file: 'signal-evaluator.py',
    expect: (o, text) =>
      noLeak(o, text) ??
      (o.status === 'ok' ? undefined : `the evaluation did not finish honestly: ${text.slice(0, 300)}`),
  },
];

const temps: string[] = [];

/** A workspace holding the hostile file under the name the problem expects (and the EPLB seed beside it). */
function workspaceFor(c: RedteamCase): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-redteam-'));
  temps.push(dir);
  if (c.problem === 'matmul') copyFileSync(path.join(HOSTILE, c.file), path.join(dir, 'matmul.c'));
  else {
    copyFileSync(path.join(HOSTILE, c.file), path.join(dir, 'eplb.py'));
    copyFileSync(path.join(EPLB, 'seed', 'eplb.py'), path.join(dir, 'seed_eplb.py'));
  }
  return dir;
}

let matmulWorkloads: string | undefined;
let eplbWorkloads: string | undefined;

/** Small shapes (fast) that still cross block sizes. */
function smallMatmulWorkloads(): string {
  if (matmulWorkloads) return matmulWorkloads;
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-redteam-mm-'));
  temps.push(dir);
  writeFileSync(path.join(dir, '01.json'), JSON.stringify({ n: 37, m: 65, k: 29, seed: 1 }));
  writeFileSync(path.join(dir, '02.json'), JSON.stringify({ n: 96, m: 96, k: 96, seed: 2 }));
  matmulWorkloads = dir;
  return dir;
}

/** A tiny trace made by the package's own generator. */
function smallEplbWorkloads(): string {
  if (eplbWorkloads) return eplbWorkloads;
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-redteam-eplb-'));
  temps.push(dir);
  mkdirSync(dir, { recursive: true });
  execaSync('/usr/bin/python3', [
    path.join(EPLB, 'workloads', 'generate.py'),
    '--out',
    path.join(dir, 'trace.json'),
    '--seed',
    '5',
    '--layers',
    '2',
    '--windows',
    '3',
  ]);
  eplbWorkloads = dir;
  return dir;
}

/** Runs one hostile candidate through its problem's real evaluator (stage screen) in `sandbox`. */
export async function runCase(sandbox: Sandbox, c: RedteamCase, image?: string): Promise<EvaluationOutcome> {
  const matmul = c.problem === 'matmul';
  return runEvaluation({
    sandbox,
    workspaceDir: workspaceFor(c),
    stage: 'screen',
    seed: 11,
    target: {
      command: ['/usr/bin/python3', '{problem}/evaluate.py'],
      evaluatorDir: path.join(matmul ? MATMUL : EPLB, 'evaluator'),
      workloadsDir: matmul ? smallMatmulWorkloads() : smallEplbWorkloads(),
      limits: LIMITS,
      ...(image ? { image } : {}),
      ...(matmul ? { env: { ADRS_SAMPLES: '2' } } : {}),
    },
  });
}

export function cleanupRedteam(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The source of a hostile candidate (for messages). */
export function hostileSource(file: string): string {
  return readFileSync(path.join(HOSTILE, file), 'utf8');
}
