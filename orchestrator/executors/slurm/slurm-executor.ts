// Runs evaluations (and whole verifications) as Slurm array jobs of `adrs worker`, tracks them with squeue/scontrol/sacct, retries jobs that end without a result, and re-attaches after a restart.
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  chmodSync,
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { AdrsError, InputError } from '../../../core/errors.js';
import { assetPath } from '../../../core/paths.js';
import type { EvaluationOutcome, Stage } from '../../../evaluators/result.js';
import type { PairProgress } from '../../../evaluators/verify-timing.js';
import type { VerifyResult } from '../../../evaluators/verify.js';
import { describeIssue } from '../../../problems/src/load.js';
import type { EvalJob, Executor } from '../types.js';
import { notRunResult, type VerifyJob } from '../verify-job.js';
import { batchScript, gresFor, sbatchArgs, workerEnv } from './batch-script.js';
import { slurmConfigSchema, type SlurmConfig, type SlurmConfigInput } from './config.js';
import {
  outcomeSchema,
  pairProgressSchema,
  verifyResultSchema,
  type InflightRecord,
  type VerifyWorkerJob,
  type WorkerJob,
} from './file-schemas.js';
import { filesHash, findMatch, InflightTable } from './inflight-table.js';
import { isTerminal, type SlurmJobState } from './parse.js';
import { fileKey, readJson, SharedDir, writeJsonAtomic } from './shared-dir.js';
import { SlurmCli } from './slurm-cli.js';

/** What the executor does, for progress views and tests. */
export type SlurmEvent =
  | { type: 'slurm:submit'; arrayJobId: string; evalJobIds: string[] }
  | { type: 'slurm:submit-failed'; error: string; evalJobIds: string[] }
  | { type: 'slurm:state'; evalJobId: string; slurmJobId: string; state: string }
  | { type: 'slurm:retry'; evalJobId: string; slurmJobId: string; state: string; attempt: number }
  | { type: 'slurm:reattach'; evalJobId: string; slurmJobId: string | null; previousEvalJobId: string }
  | {
      type: 'slurm:result';
      evalJobId: string;
      slurmJobId: string | null;
      /** An evaluation's status; for a verification "verified" or "not-verified". */
      status: EvaluationOutcome['status'] | 'verified' | 'not-verified';
    }
  | { type: 'slurm:poll-error'; error: string };

export interface SlurmExecutorOptions extends SlurmConfigInput {
  /** Folder on a filesystem every node sees (required here; createExecutor defaults it to .adrs/slurm/<run>). */
  sharedDir: string;
  onEvent?: (event: SlurmEvent) => void;
  /** Environment the worker's allow-list is taken from (default: process.env). */
  hostEnv?: NodeJS.ProcessEnv;
}

/** How a job that never produced a result ended (after the retries). */
interface Failure {
  status: 'failed' | 'timeout';
  reason: string;
  feedback: string;
  durationMs: number;
  stderrTail: string;
}

/** One kind of job (an evaluation or a verification): what goes in its job file and how its result reads. */
interface JobSpec {
  kind: 'eval' | 'verify';
  id: string;
  candidateId: string;
  stage: Stage;
  seed: number;
  problemHash: string;
  filesHash: string;
  gpus?: string;
  /** The job file's content for a new record. */
  payload(record: InflightRecord): WorkerJob | VerifyWorkerJob;
  /** The result file's content, or undefined when it does not parse. */
  parse(raw: unknown): unknown;
  failed(f: Failure): unknown;
  /** The status named in the slurm:result event. */
  statusOf(result: unknown): string;
  onProgress?: (progress: PairProgress) => void;
}

interface Entry {
  job: JobSpec;
  record: InflightRecord;
  /** Progress lines already passed on. */
  progressSeen: number;
  started: number;
  lastState?: string;
  runningSince?: number;
  /** Polls since the job was found ended without a result (the result may still be crossing the shared filesystem). */
  endedPolls: number;
  resolve(result: unknown): void;
  reject(error: unknown): void;
  detach(): void;
}

/** Polls a job may stay ended-without-result before it counts as failed. */
const RESULT_GRACE_POLLS = 2;
const MAX_ARRAY = 1000;
const TAIL = 4000;

export class SlurmExecutor implements Executor {
  readonly kind = 'slurm';
  readonly config: SlurmConfig;
  readonly dir: SharedDir;
  /** Counters: jobs submitted, array jobs, evaluations re-attached after a restart, resubmissions. */
  readonly stats = { submitted: 0, arrays: 0, reattached: 0, retried: 0 };
  private readonly cli: SlurmCli;
  private readonly table: InflightTable;
  private readonly workerCommand: string[];
  private readonly env: Record<string, string>;
  private readonly onEvent: (event: SlurmEvent) => void;
  private readonly entries = new Map<string, Entry>();
  private orphans: Map<string, InflightRecord> | undefined;
  private queue: Entry[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private seq = 0;

  constructor(options: SlurmExecutorOptions) {
    const { sharedDir, onEvent, hostEnv, ...rest } = options;
    const parsed = slurmConfigSchema.safeParse({ ...rest, sharedDir });
    if (!parsed.success) throw new InputError(describeIssue('slurm config', parsed.error));
    this.config = parsed.data;
    this.dir = new SharedDir(sharedDir).ensure();
    this.cli = new SlurmCli(this.config.binDir);
    this.table = new InflightTable(this.dir);
    this.workerCommand = this.config.workerCommand ?? [process.execPath, assetPath('bin', 'adrs.js')];
    this.env = workerEnv(hostEnv ?? process.env, this.config.env);
    for (const name of Object.keys(this.config.env)) {
      if (!(name in this.env))
        throw new InputError(
          `slurm config: env "${name}" looks like a secret or is not a variable name (remove it)`,
        );
    }
    this.onEvent = onEvent ?? (() => {});
  }

  /** Reads the in-flight table left by an earlier coordinator; run() re-attaches to these instead of resubmitting. */
  resume(): InflightRecord[] {
    return [...this.loadOrphans().values()].map((r) => structuredClone(r));
  }

  run(job: EvalJob, signal?: AbortSignal): Promise<EvaluationOutcome> {
    const spec: JobSpec = {
      kind: 'eval',
      id: job.id,
      candidateId: job.candidateId,
      stage: job.stage,
      seed: job.seed,
      problemHash: job.problemHash,
      filesHash: filesHash(job.files),
      gpus: job.gpus,
      payload: (record) => ({
        version: 1,
        job,
        resultFile: record.resultFile,
        sandbox: this.config.sandbox ?? job.sandbox,
        ...(this.config.image ? { image: this.config.image } : {}),
      }),
      parse: (raw) => {
        const parsed = outcomeSchema.safeParse(raw);
        return parsed.success ? parsed.data : undefined;
      },
      failed: (f): EvaluationOutcome => ({ ...f, stdoutTail: '' }),
      statusOf: (r) => (r as EvaluationOutcome).status,
    };
    return this.start(spec, signal) as Promise<EvaluationOutcome>;
  }

  /**
   * Runs a whole verification (held-out check, then every A/B timing pair) as one Slurm job, so both
   * arms are timed on the same node; the verdict (with that node's fingerprint) comes back as it is.
   * A job that ends without a result after the retries gives a "not-run" verdict naming why.
   */
  verify(
    job: VerifyJob,
    opts: { signal?: AbortSignal; onProgress?: (p: PairProgress) => void } = {},
  ): Promise<VerifyResult> {
    const spec: JobSpec = {
      kind: 'verify',
      id: job.id,
      candidateId: job.candidateId,
      stage: 'verify',
      seed: job.seed,
      problemHash: job.problemHash,
      filesHash: filesHash({
        ...prefixed('candidate/', job.files),
        ...prefixed('baseline/', job.baselineFiles),
      }),
      gpus: job.gpus,
      payload: (record) => ({
        version: 1,
        kind: 'verify',
        verify: job,
        resultFile: record.resultFile,
        progressFile: progressFileOf(record),
        sandbox: this.config.sandbox ?? job.sandbox,
        ...(this.config.image ? { image: this.config.image } : {}),
      }),
      parse: (raw) => {
        const parsed = verifyResultSchema.safeParse(raw);
        return parsed.success ? parsed.data : undefined;
      },
      failed: (f) => notRunResult(job, `verification ${f.status}: ${f.reason}`),
      statusOf: (r) => ((r as VerifyResult).verdict.verified ? 'verified' : 'not-verified'),
      onProgress: opts.onProgress,
    };
    return this.start(spec, opts.signal) as Promise<VerifyResult>;
  }

  private start(job: JobSpec, signal?: AbortSignal): Promise<unknown> {
    if (this.disposed)
      return Promise.reject(new AdrsError('executor-disposed', 'the Slurm executor was disposed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const orphans = this.loadOrphans();
    const match = findMatch(orphans.values(), job);
    let record: InflightRecord;
    if (match) {
      orphans.delete(match.key);
      record = match;
      this.stats.reattached++;
      this.onEvent({
        type: 'slurm:reattach',
        evalJobId: job.id,
        slurmJobId: record.slurmJobId,
        previousEvalJobId: record.evalJobId,
      });
    } else {
      record = this.newRecord(job);
    }
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = (): void => this.abort(entry, abortReason(signal!));
      const entry: Entry = {
        job,
        record,
        progressSeen: 0,
        started: Date.now(),
        endedPolls: 0,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.entries.set(record.key, entry);
      if (existsSync(record.resultFile)) this.finishFromResult(entry);
      else if (record.slurmJobId) this.schedulePoll();
      else this.enqueue(entry);
    });
  }

  /** Stops polling; jobs keep running and their table stays on disk, so a new executor on the same folder re-attaches. */
  dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.batchTimer);
    clearTimeout(this.pollTimer);
    const pending = [...this.entries.values()];
    this.entries.clear();
    this.queue = [];
    for (const e of pending) {
      e.detach();
      e.reject(
        new AdrsError(
          'executor-disposed',
          `the Slurm executor was disposed while ${e.job.id} was in flight; a new one re-attaches to it`,
        ),
      );
    }
    return Promise.resolve();
  }

  private loadOrphans(): Map<string, InflightRecord> {
    if (!this.orphans) {
      this.orphans = new Map();
      for (const r of this.table.load()) if (!this.entries.has(r.key)) this.orphans.set(r.key, r);
    }
    return this.orphans;
  }

  private newRecord(job: JobSpec): InflightRecord {
    let key = fileKey(job.id);
    if (this.entries.has(key) || existsSync(this.dir.inflightFile(key)))
      key = `${key}-${randomBytes(3).toString('hex')}`;
    const now = new Date().toISOString();
    const record: InflightRecord = {
      version: 1,
      key,
      ...(job.kind === 'verify' ? { kind: 'verify' as const } : {}),
      evalJobId: job.id,
      candidateId: job.candidateId,
      stage: job.stage,
      seed: job.seed,
      problemHash: job.problemHash,
      filesHash: job.filesHash,
      gres: gresFor(this.config, job.gpus),
      jobFile: this.dir.jobFile(key),
      resultFile: this.dir.resultFile(key),
      slurmJobId: null,
      attempts: [],
      createdAt: now,
      updatedAt: now,
    };
    writeJsonAtomic(record.jobFile, job.payload(record));
    this.table.save(record);
    return record;
  }

  private live(entry: Entry): boolean {
    return this.entries.get(entry.record.key) === entry;
  }

  private enqueue(entry: Entry, delayMs = 0): void {
    if (delayMs > 0) {
      setTimeout(() => this.live(entry) && this.enqueue(entry), delayMs).unref();
      return;
    }
    this.queue.push(entry);
    this.batchTimer ??= setTimeout(() => void this.flush(), this.config.batchWindowMs);
  }

  /** Submits what queued up within the batch window: one array job per resource shape. */
  private async flush(): Promise<void> {
    this.batchTimer = undefined;
    const batch = this.queue.splice(0).filter((e) => this.live(e));
    const groups = new Map<string, Entry[]>();
    for (const e of batch) {
      const k = e.record.gres ?? '';
      groups.set(k, [...(groups.get(k) ?? []), e]);
    }
    for (const [gres, group] of groups) {
      for (let i = 0; i < group.length; i += MAX_ARRAY)
        await this.submit(group.slice(i, i + MAX_ARRAY), gres || undefined);
    }
    this.schedulePoll();
  }

  private async submit(group: Entry[], gres: string | undefined): Promise<void> {
    const batchId = `${Date.now().toString(36)}-${process.pid}-${this.seq++}`;
    const listFile = this.dir.batchFile(batchId, 'list');
    const scriptFile = this.dir.batchFile(batchId, 'sh');
    writeFileSync(listFile, group.map((e) => e.record.jobFile).join('\n') + '\n');
    writeFileSync(
      scriptFile,
      batchScript({ listFile, workerCommand: this.workerCommand, env: this.env, batchId }),
    );
    chmodSync(scriptFile, 0o755);
    const args = sbatchArgs(this.config, {
      count: group.length,
      logPattern: this.dir.logPattern(),
      chdir: this.dir.root,
      gres,
    });
    const res = await this.cli.sbatch(args, scriptFile);
    const ids = group.map((e) => e.job.id);
    if (!res.ok) {
      this.onEvent({ type: 'slurm:submit-failed', error: res.error, evalJobIds: ids });
      for (const e of group) if (this.live(e)) this.ended(e, 'SUBMIT_FAILED', `sbatch failed: ${res.error}`);
      return;
    }
    this.stats.arrays++;
    this.stats.submitted += group.length;
    group.forEach((e, i) => {
      e.record.slurmJobId = `${res.id}_${i}`;
      e.lastState = undefined;
      e.runningSince = undefined;
      e.endedPolls = 0;
      this.table.save(e.record);
      // Aborted or disposed while sbatch ran: cancel it, or keep it on record for a later coordinator.
      if (!this.live(e) && this.config.cancelOnAbort && !this.disposed) {
        void this.cli.scancel(e.record.slurmJobId);
        this.table.remove(e.record);
      } else if (!this.live(e)) this.loadOrphans().set(e.record.key, e.record);
    });
    this.onEvent({ type: 'slurm:submit', arrayJobId: res.id, evalJobIds: ids });
  }

  private schedulePoll(): void {
    if (this.pollTimer || this.disposed) return;
    if (![...this.entries.values()].some((e) => e.record.slurmJobId)) return;
    this.pollTimer = setTimeout(() => {
      void this.poll()
        .catch((error: unknown) =>
          this.onEvent({ type: 'slurm:poll-error', error: (error as Error).message }),
        )
        .finally(() => {
          this.pollTimer = undefined;
          this.schedulePoll();
        });
    }, this.config.pollIntervalS * 1000);
  }

  private async poll(): Promise<void> {
    const submitted = [...this.entries.values()].filter((e) => e.record.slurmJobId);
    for (const e of submitted) this.passProgress(e);
    for (const e of submitted) if (existsSync(e.record.resultFile)) this.finishFromResult(e);
    const rest = submitted.filter((e) => this.live(e));
    if (rest.length === 0) return;
    const arrays = [...new Set(rest.map((e) => e.record.slurmJobId!.split('_')[0]!))];
    const q = await this.cli.squeue(arrays);
    if (!q.ok) {
      this.onEvent({ type: 'slurm:poll-error', error: `squeue: ${q.error}` });
      return;
    }
    const queued = new Map(q.jobs.map((j) => [j.id, j]));
    for (const e of rest) {
      const id = e.record.slurmJobId;
      if (!id || !this.live(e)) continue;
      const seen = queued.get(id);
      if (seen) {
        await this.observe(e, seen);
        continue;
      }
      const final = await this.finalState(id);
      if (!final || !this.live(e) || e.record.slurmJobId !== id) continue;
      if (existsSync(e.record.resultFile)) {
        this.finishFromResult(e);
      } else if (!isTerminal(final.state) && final.state !== 'UNKNOWN') {
        await this.observe(e, final);
      } else if (++e.endedPolls > RESULT_GRACE_POLLS) {
        this.ended(e, final.state, detail(final));
      }
    }
  }

  /** A job squeue no longer lists: what scontrol, then sacct, say about it; UNKNOWN when neither knows it. */
  private async finalState(id: string): Promise<SlurmJobState | undefined> {
    const sc = await this.cli.scontrol(id);
    const fromScontrol = sc.ok ? sc.jobs.find((j) => j.id === id) : undefined;
    if (fromScontrol) return fromScontrol;
    const sa = await this.cli.sacct([id]);
    const fromSacct = sa.ok ? sa.jobs.find((j) => j.id === id) : undefined;
    if (fromSacct) return fromSacct;
    if (!sc.ok && !sa.ok) {
      this.onEvent({ type: 'slurm:poll-error', error: `scontrol: ${sc.error}; sacct: ${sa.error}` });
      return undefined;
    }
    return { id, state: 'UNKNOWN' };
  }

  /** A job that is still alive: note its state; a job running past our wall limit is cancelled. */
  private async observe(e: Entry, s: SlurmJobState): Promise<void> {
    const id = e.record.slurmJobId!;
    e.endedPolls = 0;
    if (s.state !== e.lastState) {
      e.lastState = s.state;
      this.onEvent({ type: 'slurm:state', evalJobId: e.job.id, slurmJobId: id, state: s.state });
    }
    if (s.state === 'RUNNING' || s.state === 'COMPLETING' || s.state === 'SUSPENDED')
      e.runningSince ??= Date.now();
    else e.runningSince = undefined; // pending again (requeued or preempted): its clock restarts
    if (s.reason && /launch_failed_requeued_held/i.test(s.reason)) {
      // Slurm could not start it on the node and holds it: nothing will run it unless we do.
      await this.cli.scancel(id);
      if (this.live(e) && e.record.slurmJobId === id) this.ended(e, 'LAUNCH_FAILED', s.reason);
      return;
    }
    const limit = this.config.wallLimitS;
    if (limit && e.runningSince !== undefined && Date.now() - e.runningSince > limit * 1000) {
      await this.cli.scancel(id);
      if (this.live(e) && e.record.slurmJobId === id)
        this.ended(e, 'TIMEOUT', `ran past the adrs wall limit of ${limit} s`);
    }
  }

  /** The current submission ended without a result: resubmit, or give up with a failed outcome. */
  private ended(e: Entry, state: string, why: string): void {
    const id = e.record.slurmJobId;
    e.record.attempts.push({
      slurmJobId: id ?? '-',
      state,
      ...(why ? { reason: why } : {}),
      at: new Date().toISOString(),
    });
    e.record.slurmJobId = null;
    e.endedPolls = 0;
    e.runningSince = undefined;
    e.lastState = undefined;
    const attempt = e.record.attempts.length;
    if (attempt <= this.config.maxRetries) {
      this.stats.retried++;
      this.table.save(e.record);
      this.onEvent({ type: 'slurm:retry', evalJobId: e.job.id, slurmJobId: id ?? '-', state, attempt });
      this.enqueue(e, state === 'SUBMIT_FAILED' ? this.config.pollIntervalS * 1000 : 0);
      return;
    }
    const retried = `(retried ${attempt - 1}x)`;
    const reason = id ? `slurm job ${id} ${state}${why ? `, ${why}` : ''} ${retried}` : `${why} ${retried}`;
    this.settle(
      e,
      e.job.failed({
        status: state === 'TIMEOUT' ? 'timeout' : 'failed',
        reason,
        feedback: `The evaluation did not finish on the cluster (${state.toLowerCase()}); this is an infrastructure problem, not your program.`,
        durationMs: Date.now() - e.started,
        stderrTail: id ? logTail(this.dir.logFile(id)) : '',
      }),
    );
  }

  private finishFromResult(e: Entry): void {
    this.passProgress(e);
    const parsed = e.job.parse(readJson(e.record.resultFile));
    const result =
      parsed ??
      e.job.failed({
        status: 'failed',
        reason: `the worker's result file ${e.record.resultFile} is unreadable`,
        feedback: 'The evaluation result was lost (an infrastructure problem, not your program).',
        durationMs: Date.now() - e.started,
        stderrTail: '',
      });
    this.settle(e, result);
  }

  /** Passes on the progress lines a verification job appended since the last look. */
  private passProgress(e: Entry): void {
    if (!e.job.onProgress || e.record.kind !== 'verify') return;
    let lines: string[];
    try {
      lines = readFileSync(progressFileOf(e.record), 'utf8').split('\n');
    } catch {
      return;
    }
    // The last element is an unfinished line (or empty): only complete lines count.
    const complete = lines.slice(0, -1);
    for (const line of complete.slice(e.progressSeen)) {
      try {
        const p = pairProgressSchema.safeParse(JSON.parse(line));
        if (p.success) e.job.onProgress(p.data);
      } catch {
        // A garbled line is skipped; progress is advisory.
      }
    }
    e.progressSeen = Math.max(e.progressSeen, complete.length);
  }

  private settle(e: Entry, outcome: unknown): void {
    if (!this.live(e)) return;
    this.entries.delete(e.record.key);
    e.detach();
    this.table.remove(e.record);
    rmSync(e.record.jobFile, { force: true });
    if (e.record.kind === 'verify') rmSync(progressFileOf(e.record), { force: true });
    this.onEvent({
      type: 'slurm:result',
      evalJobId: e.job.id,
      slurmJobId: e.record.slurmJobId,
      status: e.job.statusOf(outcome) as EvaluationOutcome['status'],
    });
    e.resolve(outcome);
  }

  private abort(e: Entry, reason: unknown): void {
    if (!this.live(e)) return;
    this.entries.delete(e.record.key);
    this.queue = this.queue.filter((q) => q !== e);
    const id = e.record.slurmJobId;
    if (this.config.cancelOnAbort) {
      if (id) void this.cli.scancel(id);
      this.table.remove(e.record);
      rmSync(e.record.jobFile, { force: true });
    } else {
      this.loadOrphans().set(e.record.key, e.record);
    }
    e.reject(reason);
  }
}

function prefixed(prefix: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [prefix + k, v]));
}

/** A verification's progress file, beside its result. */
function progressFileOf(record: InflightRecord): string {
  return record.resultFile.replace(/\.json$/, '') + '.progress.jsonl';
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(
    reason === undefined ? 'This operation was aborted' : inspect(reason),
    'AbortError',
  );
}

function detail(s: SlurmJobState): string {
  const parts: string[] = [];
  if (s.exitCode && s.exitCode !== '0:0') parts.push(`exit ${s.exitCode}`);
  if (s.reason) parts.push(s.reason);
  return parts.join(', ');
}

/** The end of a job's log (stdout and stderr of the worker). */
function logTail(file: string): string {
  try {
    const size = statSync(file).size;
    if (size <= TAIL) return readFileSync(file, 'utf8');
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(TAIL);
      readSync(fd, buf, 0, TAIL, size - TAIL);
      return '…' + buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}
