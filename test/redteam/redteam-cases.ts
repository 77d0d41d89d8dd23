// The red-team routes as real hostile candidates, run through the real evaluators of matmul-cpu and moe-eplb in a given sandbox.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaSync } from 'execa';
import { runEvaluation } from '../../evaluators/run-evaluation.js';
import { convertOpenEvolve } from '../../problems/src/openevolve/convert.js';
import { convertShinka } from '../../problems/src/shinka/convert.js';
import { importKernelBench } from '../../problems/src/kernelbench/import.js';
import type { EvaluationOutcome } from '../../evaluators/result.js';
import type { Sandbox, SandboxLimits } from '../../sandboxes/types.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const HOSTILE = path.join(import.meta.dirname, 'candidates');
const MATMUL = path.join(ROOT, 'problems', 'matmul-cpu');
const EPLB = path.join(ROOT, 'problems', 'moe-eplb');
/** Peer folders, converted as `adrs eval DIR` converts them: the real function_minimization and sine tasks. */
const PEER_FOLDERS = {
  'oe-fm': path.join(ROOT, 'test', 'fixtures', 'peers', 'openevolve', 'function_minimization'),
  'oe-timed': path.join(import.meta.dirname, 'openevolve-timed'),
  'shinka-sine': path.join(ROOT, 'test', 'fixtures', 'peers', 'shinka', 'sine_approx_headless'),
  /** A KernelBench problem imported as `adrs problems import kernelbench` does (run on CPU with torch). */
  kb: path.join(ROOT, 'test', 'fixtures', 'kernels', 'kb_square_matmul.py'),
} as const;
type PeerProblem = keyof typeof PEER_FOLDERS;
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
  problem: 'matmul' | 'eplb' | PeerProblem;
  file: string;
  /** A Python module the sandbox's python3 must have for the case to mean anything. */
  needs?: 'torch';
  /**
   * False where the wall is the trusted parent's own comparison and clock, which hold with or without trust
   * domains (the kernel harness's references and timer never leave the evaluator): no opt-out control run.
   */
  control?: false;
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
  {
    name: 'OpenEvolve program patches the evaluator clock through __main__, module globals, gc and frames, then runs slowly',
    problem: 'oe-timed',
    file: 'oe-timer-patch.py',
    expect: (o, text) => {
      if (o.status !== 'ok') return `the honest-but-slow candidate failed: ${text.slice(0, 300)}`;
      const t = o.result.metrics.time_s ?? 0;
      if (t < 0.25) return `the patched clock reached the evaluator: time_s = ${t}`;
      return noLeak(o, text);
    },
  },
  {
    name: 'OpenEvolve program patches the evaluator clock past the guard (names from bytes, frames and sys.modules via os)',
    problem: 'oe-timed',
    file: 'oe-timer-evade.py',
    expect: (o, text) => {
      if (o.status !== 'ok') return `the honest-but-slow candidate failed: ${text.slice(0, 300)}`;
      const t = o.result.metrics.time_s ?? 0;
      if (t < 0.25) return `the patched clock reached the evaluator: time_s = ${t}`;
      return noLeak(o, text);
    },
  },
  {
    name: 'OpenEvolve program leaves a thread working in its persistent process after solve() returns',
    problem: 'oe-timed',
    file: 'oe-thread-after.py',
    expect: rejected(/left 1 thread\(s\) .*running after solve\(\) returned/),
  },
  {
    name: 'OpenEvolve program leaves a forked child process working after solve() returns',
    problem: 'oe-timed',
    file: 'oe-process-after.py',
    expect: rejected(/left 1 child process\(es\) .*running after solve\(\) returned/),
  },
  {
    name: 'OpenEvolve program stores its answer wherever it can write, for a later evaluation to find',
    problem: 'oe-timed',
    file: 'oe-state-carry.py',
    // The wall is a fresh sandbox per evaluation, not the trust domains: no opt-out control run.
    control: false,
    expect: (o, text) => {
      if (text.includes('CARRIED')) return 'state from an earlier evaluation reached this one';
      if (o.status !== 'ok') return `the honest-but-slow candidate failed: ${text.slice(0, 300)}`;
      const t = o.result.metrics.time_s ?? 0;
      return t < 0.25 ? `the timed call was fast without carried state: time_s = ${t}` : noLeak(o, text);
    },
  },
  {
    // KNOWN HOLE (README, "Peer evaluators"): this asserts the hole is still there, so closing it fails here.
    name: "KNOWN HOLE: OpenEvolve program computes the fixed input's answer at import, before the evaluator's clock",
    problem: 'oe-timed',
    file: 'oe-import-precompute.py',
    control: false,
    expect: (o, text) => {
      if (o.status !== 'ok')
        return `the import-time precompute no longer passes (update the README): ${text.slice(0, 300)}`;
      const t = o.result.metrics.time_s ?? 1;
      return t < 0.25 ? noLeak(o, text) : `the import-time work reached the timed call: time_s = ${t}`;
    },
  },
  {
    name: 'OpenEvolve program forges ADRS_RESULT from every environ, patches the shim scoring, then _exit(0)',
    problem: 'oe-fm',
    file: 'oe-forge-result.py',
    expect: rejected(/trials failed|ended while running|error/),
  },
  {
    name: 'OpenEvolve program hunts the evaluator secrets, broker socket and scratch folders, then answers honestly',
    problem: 'oe-fm',
    file: 'oe-environ.py',
    expect: (o, text) =>
      noLeak(o, text) ??
      notForged(o, text) ??
      (o.status === 'ok' ? undefined : `an honest answer was not judged correct: ${text.slice(0, 300)}`),
  },
  {
    name: 'Shinka program forges metrics.json in --results_dir from every command line, with a rewriting daemon',
    problem: 'shinka-sine',
    file: 'shinka-forge.py',
    expect: (o, text) => {
      const score = 'result' in o ? (o.result.metrics.combined_score ?? 0) : 0;
      if (score > 1) return `a forged score reached the metrics: ${score}`;
      return notForged(o, text) ?? noLeak(o, text);
    },
  },
  {
    name: 'KernelBench ModelNew forges ADRS_RESULT from every environ it can open, then _exit(0) before the reply',
    problem: 'kb',
    file: 'kb-forge.py',
    // exit code 0: its forge ran and it left by _exit(0) (an ImportError of torch would be exit code 1).
    expect: rejected(/died \(exit code 0\)/),
    needs: 'torch',
  },
  {
    name: "KernelBench ModelNew sleeps 25 ms a call and replaces the child's timing request to report 100 ns a call",
    problem: 'kb',
    file: 'kb-fake-time.py',
    control: false,
    // The parent's clock replaces the forged figure: the run may stand, but at the kernel's real (slow) speed.
    expect: (o, text) => {
      const forged = notForged(o, text) ?? noLeak(o, text);
      if (forged) return forged;
      if (o.status !== 'ok')
        return /timing-consistent|forged/.test(text)
          ? undefined
          : `failed for another reason: ${text.slice(0, 300)}`;
      const kernel = o.result.metrics.kernel_time_s ?? 0;
      if (kernel < 0.02)
        return `the forged time was accepted: ${kernel} s per call (the kernel sleeps 25 ms)`;
      if ((o.result.metrics.speedup ?? 0) >= 1)
        return `a speedup reached the metrics: ${o.result.metrics.speedup}`;
      const source = String(o.result.artifacts.timing_source ?? '');
      return /^0 batch\(es\) timed by the kernel's process/.test(source)
        ? undefined
        : `the kernel's own figure was used for some batch: ${source}`;
    },
    needs: 'torch',
  },
  {
    name: 'KernelBench ModelNew returns zeros and patches every check in its own process (compare, outputs, snapshot)',
    problem: 'kb',
    file: 'kb-wrong-patched.py',
    control: false,
    expect: rejected(/correct: wrong result on trial 0/),
    needs: 'torch',
  },
  {
    name: 'KernelBench ModelNew is right on its first call only, then returns copies of that answer (checks patched)',
    problem: 'kb',
    file: 'kb-first-call.py',
    control: false,
    expect: rejected(/correct: wrong result on trial 1/),
    needs: 'torch',
  },
  {
    name: 'KernelBench ModelNew computes once per timed batch and hands copies of that answer to the later calls',
    problem: 'kb',
    file: 'kb-batch-memo.py',
    control: false,
    // Every call of a timed batch has inputs of its own: the second call's copy of the first answer is wrong.
    expect: rejected(/correct-when-timed: wrong result on .*input set 2 of \d+ in a timed batch/),
    needs: 'torch',
  },
  {
    name: "KernelBench ModelNew does a whole timed batch's work in its first call and serves the rest from a store",
    problem: 'kb',
    file: 'kb-batch-ahead.py',
    control: false,
    // Every output is right; the median call is tiny. The figure must stay at the real 25 ms a set.
    expect: (o, text) => {
      const forged = notForged(o, text) ?? noLeak(o, text);
      if (forged) return forged;
      if (o.status !== 'ok') return `failed for another reason: ${text.slice(0, 300)}`;
      const kernel = o.result.metrics.kernel_time_s ?? 0;
      if (kernel < 0.02)
        return `the shifted work was not counted: ${kernel} s per call (each input set takes 25 ms)`;
      const source = String(o.result.artifacts.timing_source ?? '');
      return /^0 batch\(es\) timed by the kernel's process/.test(source)
        ? undefined
        : `the kernel's own median was used for some batch: ${source}`;
    },
    needs: 'torch',
  },
];

const temps: string[] = [];
const converted = new Map<PeerProblem, string>();

/** The peer folder converted once into a native package (problem.yaml, evaluator/ with the shim). */
function peerPackage(problem: PeerProblem): string {
  const done = converted.get(problem);
  if (done) return done;
  const out = mkdtempSync(path.join(tmpdir(), `adrs-redteam-${problem}-`));
  temps.push(out);
  if (problem === 'kb') importKernelBench(PEER_FOLDERS[problem], out);
  else if (problem === 'shinka-sine') convertShinka(PEER_FOLDERS[problem], out);
  else convertOpenEvolve(PEER_FOLDERS[problem], out);
  converted.set(problem, out);
  return out;
}

const isPeer = (problem: RedteamCase['problem']): problem is PeerProblem => problem in PEER_FOLDERS;

/** A workspace holding the hostile file under the name the problem expects (and the EPLB seed beside it). */
function workspaceFor(c: RedteamCase): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'adrs-redteam-'));
  temps.push(dir);
  if (c.problem === 'matmul') copyFileSync(path.join(HOSTILE, c.file), path.join(dir, 'matmul.c'));
  else if (isPeer(c.problem))
    copyFileSync(
      path.join(HOSTILE, c.file),
      path.join(
        dir,
        { 'shinka-sine': 'initial.py', kb: 'model_new.py' }[c.problem as string] ?? 'initial_program.py',
      ),
    );
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

/** The cases whose evaluator an opt-out (`trust_domains: false`) leaves beatable: the control runs. */
export const CONTROLLED = (c: RedteamCase): boolean => isPeer(c.problem) && c.control !== false;

/**
 * Runs one hostile candidate through its problem's real evaluator (stage screen) in `sandbox`. With
 * `optOut` the problem declares `trust_domains: false` (a peer folder's evaluator then imports the real program).
 */
export async function runCase(
  sandbox: Sandbox,
  c: RedteamCase,
  image?: string,
  optOut = false,
): Promise<EvaluationOutcome> {
  if (isPeer(c.problem)) {
    const pkg = peerPackage(c.problem);
    const shim =
      { 'shinka-sine': 'adrs_shinka_shim.py', kb: 'kernelbench_evaluate.py' }[c.problem as string] ??
      'adrs_openevolve_shim.py';
    return runEvaluation({
      sandbox,
      workspaceDir: workspaceFor(c),
      stage: 'screen',
      seed: 11,
      target: {
        command: ['/usr/bin/python3', `{problem}/${shim}`],
        evaluatorDir: path.join(pkg, 'evaluator'),
        limits: LIMITS,
        // Planted where a leak would show: the candidate must never see these.
        env: { OPENAI_API_KEY: 'sk-planted-redteam', ...(c.problem === 'kb' ? { ADRS_DEVICE: 'cpu' } : {}) },
        ...(image ? { image } : {}),
        ...(optOut ? { trustDomains: false } : {}),
      },
    });
  }
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
