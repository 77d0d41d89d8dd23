// Runs one evaluator stage for one candidate workspace in a sandbox and turns whatever happens into an EvaluationOutcome.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { assetPath } from '../core/paths.js';
import type { Sandbox, SandboxLimits } from '../sandboxes/types.js';
import { CACHE_OUT_MAX_BYTES, keepCacheEntries, prepareCacheDir } from './evaluator-cache.js';
import { infrastructureCause } from './infrastructure.js';
import { PROGRESS_ENV, progressLines } from './progress-lines.js';
import { EVAL_ENV, evaluatorResultSchema, type EvaluationOutcome, type Stage } from './result.js';

/** Everything about a problem that running its evaluator needs (the orchestrator builds it from problem.yaml). */
export interface EvaluationTarget {
  /** Command; "{problem}", "{workspace}" and "{workloads}" are replaced by in-sandbox paths. */
  command: string[];
  /** Host folder of the evaluator, exposed read-only as mount "problem". */
  evaluatorDir: string;
  /** Host folder of this stage's inputs, exposed read-only as mount "workloads" (held-out ones only to verify). */
  workloadsDir?: string;
  limits: SandboxLimits;
  image?: string;
  env?: Record<string, string>;
  /**
   * Host folder of values an evaluator computed from the problem alone and may reuse in later evaluations (the
   * differential checks' base observations). Exposed read-only as mount "cache" ($ADRS_CACHE_DIR); what the
   * evaluator writes to $ADRS_CACHE_OUT is added to it after a normal exit (see keepCacheEntries).
   */
  cacheDir?: string;
  /** false: the evaluator runs as the sandbox user, in the candidate's domain (problem.yaml evaluator.trust_domains). */
  trustDomains?: boolean;
}

export interface RunEvaluationOptions {
  sandbox: Sandbox;
  /** Host folder holding the candidate's files (copied fresh into the sandbox). */
  workspaceDir: string;
  stage: Stage;
  seed: number;
  target: EvaluationTarget;
  /** For stage "time": how many samples this process should take. */
  samples?: number;
  sampleIndex?: number;
  labels?: Record<string, string>;
  signal?: AbortSignal;
  /** Live progress: the evaluator's "adrs-progress: " stderr lines, as they come (see progress-lines.ts). */
  onProgress?: (line: string) => void;
}

/** evaluators/harness: shared Python helpers, exposed read-only as mount "harness" and put on PYTHONPATH. */
export const HARNESS_DIR = assetPath('evaluators', 'harness');
/** evaluators/differential: base-vs-patched checks, exposed read-only as mount "differential". */
export const DIFFERENTIAL_DIR = assetPath('evaluators', 'differential');

const RESULT_MAX_BYTES = 4 * 1024 * 1024;
const TAIL = 4000;

/** Keeps the last `n` characters. */
export function tail(text: string, n = TAIL): string {
  return text.length > n ? '…' + text.slice(-n) : text;
}

export async function runEvaluation(opts: RunEvaluationOptions): Promise<EvaluationOutcome> {
  const trusted: TrustedChannel = {};
  const outcome = await runEvaluationOnce(opts, trusted);
  if ('result' in outcome) return outcome;
  const cause = infrastructureCause(outcome, trusted.infraReport);
  return cause ? { ...outcome, infrastructure: cause } : outcome;
}

/** What the trusted side reported on a channel the candidate cannot write (see infrastructure.ts). */
interface TrustedChannel {
  infraReport?: string;
}

const INFRA_REPORT_MAX_BYTES = 16 * 1024;

async function runEvaluationOnce(
  opts: RunEvaluationOptions,
  channel: TrustedChannel,
): Promise<EvaluationOutcome> {
  const started = Date.now();
  const readonlyDirs: Record<string, string> = { problem: opts.target.evaluatorDir };
  if (opts.target.workloadsDir) readonlyDirs.workloads = opts.target.workloadsDir;
  // Helpers for problem authors (output comparison, result writing), importable from Python.
  if (existsSync(HARNESS_DIR)) readonlyDirs.harness = HARNESS_DIR;
  // Differential checks against the base (repository tasks), callable by evaluators as $ADRS_DIFFERENTIAL_DIR.
  if (existsSync(DIFFERENTIAL_DIR)) readonlyDirs.differential = DIFFERENTIAL_DIR;
  let cacheDir = opts.target.cacheDir && prepareCacheDir(opts.target.cacheDir);
  if (cacheDir) readonlyDirs.cache = cacheDir;
  const open = () =>
    opts.sandbox.open({
      workspaceDir: opts.workspaceDir,
      readonlyDirs,
      limits: opts.target.limits,
      image: opts.target.image,
      labels: opts.labels,
    });
  let session;
  try {
    try {
      session = await open();
    } catch (error) {
      if (!cacheDir) throw error;
      // The cache only saves time: if copying it in failed (an entry trimmed by another evaluation while it was
      // being copied), the evaluation runs without it.
      delete readonlyDirs.cache;
      cacheDir = undefined;
      session = await open();
    }
  } catch (error) {
    return {
      status: 'failed',
      reason: `sandbox could not start: ${(error as Error).message}`,
      feedback: 'The sandbox could not start (an infrastructure problem, not your program).',
      durationMs: Date.now() - started,
      stderrTail: '',
      stdoutTail: '',
    };
  }
  try {
    // With trust domains the result (and new cache entries) go to the folder only the evaluator's uid can
    // open; candidate commands, started through the warden as another uid, cannot write or even find them.
    const trusted = session.trustDomains && opts.target.trustDomains !== false;
    const home = trusted ? session.trustedDir : session.workspace;
    const read = (rel: string, max: number) =>
      trusted ? session.readTrustedFile(rel, max) : session.readFile(rel, max);
    const resultRel = `.adrs-result-${randomBytes(6).toString('hex')}.json`;
    const resultPath = `${home}/${resultRel}`;
    const cacheOutRel = `.adrs-cache-${randomBytes(6).toString('hex')}.json`;
    const infraRel = `.adrs-infra-${randomBytes(6).toString('hex')}.txt`;
    const workloads = session.mounts.workloads ?? '';
    const fill = (arg: string): string =>
      arg
        .replaceAll('{problem}', session.mounts.problem ?? '')
        .replaceAll('{workspace}', session.workspace)
        .replaceAll('{workloads}', workloads)
        .replaceAll('{harness}', session.mounts.harness ?? '');
    const env: Record<string, string> = {
      ...opts.target.env,
      [EVAL_ENV.stage]: opts.stage,
      [EVAL_ENV.seed]: String(opts.seed),
      [EVAL_ENV.result]: resultPath,
      [EVAL_ENV.workspace]: session.workspace,
      [EVAL_ENV.problem]: session.mounts.problem ?? '',
      [EVAL_ENV.workloads]: workloads,
      [EVAL_ENV.samples]: String(opts.samples ?? 1),
      [EVAL_ENV.sampleIndex]: String(opts.sampleIndex ?? 0),
      // Whether the problem keeps trust domains: the peer shims then hand evaluators a stand-in program (adrs_program_proxy).
      ADRS_TRUST_DOMAINS: opts.target.trustDomains === false ? '0' : '1',
    };
    if (session.mounts.harness) {
      env.ADRS_HARNESS = session.mounts.harness;
      env.PYTHONPATH = [session.mounts.harness, opts.target.env?.PYTHONPATH].filter(Boolean).join(':');
    }
    if (session.mounts.differential) env.ADRS_DIFFERENTIAL_DIR = session.mounts.differential;
    // Platform faults are reported here by the trusted side only (warden, harness/sitecustomize.py); without
    // trust domains the candidate could write it, so there is no such channel and only sandbox starts count.
    if (trusted) env.ADRS_INFRA_REPORT = `${home}/${infraRel}`;
    if (opts.onProgress) env[PROGRESS_ENV] = '1';
    if (cacheDir && session.mounts.cache) {
      env[EVAL_ENV.cacheDir] = session.mounts.cache;
      env[EVAL_ENV.cacheOut] = `${home}/${cacheOutRel}`;
    }
    const res = await session.exec(opts.target.command.map(fill), {
      env,
      trusted,
      ...(opts.onProgress ? { onStderr: progressLines(opts.onProgress) } : {}),
    });
    if (trusted) {
      const report = await read(infraRel, INFRA_REPORT_MAX_BYTES).catch(() => undefined);
      if (report?.length) channel.infraReport = report.toString('utf8');
    }
    const common = {
      durationMs: Date.now() - started,
      stderrTail: tail(res.stderrTail),
      stdoutTail: tail(res.stdoutTail),
    };
    if (res.timedOut || res.killedBy === 'timeout') {
      const secs = Math.round(opts.target.limits.wallTimeMs / 1000);
      return {
        status: 'timeout',
        reason: `timed out after ${secs} s (the whole process tree was killed)`,
        feedback: `The evaluation exceeded its ${secs} s limit and was killed. Make the program faster or make sure it terminates.`,
        ...common,
      };
    }
    if (res.killedBy) {
      const why = {
        memory: 'memory limit',
        output: 'output limit',
        pids: 'process limit',
        timeout: 'time limit',
      }[res.killedBy];
      return {
        status: 'failed',
        reason: `killed: ${why} exceeded`,
        feedback: `The program was killed: ${why} exceeded.`,
        ...common,
      };
    }
    const raw = await read(resultRel, RESULT_MAX_BYTES);
    if (res.exitCode !== 0) {
      const how = res.signal ? `killed by ${res.signal}` : `exit code ${res.exitCode}`;
      return {
        status: 'failed',
        reason: `evaluator failed (${how})`,
        feedback: `The evaluator failed (${how}). Last lines of stderr:\n${tail(res.stderrTail, 1500)}`,
        ...common,
      };
    }
    if (!raw) {
      return {
        status: 'invalid-result',
        reason: 'the evaluator wrote no result JSON',
        feedback: `The evaluator exited without writing its result. Last lines of stderr:\n${tail(res.stderrTail, 1500)}`,
        ...common,
      };
    }
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return {
        status: 'invalid-result',
        reason: `result is not JSON: ${(error as Error).message}`,
        feedback: 'The evaluation produced an unreadable result.',
        ...common,
      };
    }
    const parsed = evaluatorResultSchema.safeParse(parsedJson);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        status: 'invalid-result',
        reason: `result JSON invalid at "${issue?.path.join('.') || '(top)'}": ${issue?.message ?? 'invalid'}`,
        feedback: 'The evaluation produced an invalid result.',
        ...common,
      };
    }
    if (cacheDir)
      keepCacheEntries(cacheDir, await read(cacheOutRel, CACHE_OUT_MAX_BYTES).catch(() => undefined));
    // An evaluator that stopped its candidate at the stage's limit says so with a failed "timeout" check.
    const timedOut = !parsed.data.correct && parsed.data.checks.find((c) => c.name === 'timeout' && !c.ok);
    if (timedOut)
      return {
        status: 'timeout',
        reason: timedOut.detail?.split('\n')[0] ?? 'the candidate exceeded its time limit',
        feedback: parsed.data.feedback,
        ...common,
      };
    return { status: parsed.data.correct ? 'ok' : 'incorrect', result: parsed.data, ...common };
  } finally {
    await session.close();
  }
}
