// Parsers for the output of sbatch --parsable, squeue, scontrol show job -o and sacct -P, and what each job state means to us.

/** A job's state as Slurm reports it (the first word: "CANCELLED by 0" -> CANCELLED). */
export interface SlurmJobState {
  /** "123_4" for an array task, "123" for a plain job. */
  id: string;
  state: string;
  reason?: string;
  exitCode?: string;
  restarts?: number;
}

/** States after which the job will not run again by itself. */
const TERMINAL = new Set([
  'BOOT_FAIL',
  'CANCELLED',
  'COMPLETED',
  'DEADLINE',
  'FAILED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'REVOKED',
  'SPECIAL_EXIT',
  'TIMEOUT',
]);

/** True when the job has ended for good (a PREEMPTED job still listed by squeue may yet be requeued: not terminal there). */
export function isTerminal(state: string): boolean {
  return TERMINAL.has(normaliseState(state));
}

/** Slurm's long and short state names, upper-cased, first word only ("CANCELLED by 0", "CA" -> CANCELLED). */
export function normaliseState(raw: string): string {
  const word = (raw.trim().split(/\s+/)[0] ?? '').replace(/\+$/, '').toUpperCase();
  const short: Record<string, string> = {
    BF: 'BOOT_FAIL',
    CA: 'CANCELLED',
    CD: 'COMPLETED',
    CG: 'COMPLETING',
    DL: 'DEADLINE',
    F: 'FAILED',
    NF: 'NODE_FAIL',
    OOM: 'OUT_OF_MEMORY',
    PD: 'PENDING',
    PR: 'PREEMPTED',
    R: 'RUNNING',
    RQ: 'REQUEUED',
    RH: 'REQUEUE_HOLD',
    RF: 'REQUEUE_FED',
    RS: 'RESIZING',
    RV: 'REVOKED',
    S: 'SUSPENDED',
    SE: 'SPECIAL_EXIT',
    ST: 'STOPPED',
    TO: 'TIMEOUT',
  };
  return short[word] ?? word;
}

/** `sbatch --parsable` prints "jobid" or "jobid;cluster". */
export function parseSbatchId(stdout: string): string | undefined {
  const first = stdout.trim().split('\n').pop()?.trim() ?? '';
  const id = first.split(';')[0] ?? '';
  return /^\d+$/.test(id) ? id : undefined;
}

/** `squeue -h -r -o '%i|%T|%r'`: one job (or array task) per line. */
export function parseSqueue(stdout: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of stdout.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (!id || !state) continue;
    out.push({ id, state: normaliseState(state), ...(reason && reason !== 'None' ? { reason } : {}) });
  }
  return out;
}

/** `scontrol show job -o <id>`: one line of Key=Value pairs per job (an array shows one line per task). */
export function parseScontrolJobs(stdout: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.includes('JobId=')) continue;
    const fields = new Map<string, string>();
    for (const m of line.matchAll(/(?:^|\s)([A-Za-z][\w/:]*)=(\S*)/g)) fields.set(m[1]!, m[2]!);
    const jobId = fields.get('JobId');
    const state = fields.get('JobState');
    if (!jobId || !state) continue;
    const arrayJob = fields.get('ArrayJobId');
    const task = fields.get('ArrayTaskId');
    // A task of an array: "ArrayJobId_ArrayTaskId"; a pending remainder ("ArrayTaskId=2-5") stays under the array id.
    const id = arrayJob && task && /^\d+$/.test(task) ? `${arrayJob}_${task}` : jobId;
    const reason = fields.get('Reason');
    const restarts = Number(fields.get('Restarts'));
    out.push({
      id,
      state: normaliseState(state),
      ...(reason && reason !== 'None' ? { reason } : {}),
      ...(fields.has('ExitCode') ? { exitCode: fields.get('ExitCode') } : {}),
      ...(Number.isFinite(restarts) && fields.has('Restarts') ? { restarts } : {}),
    });
  }
  return out;
}

/** `sacct -n -P -X -o JobID,State,ExitCode`: one line per job allocation ("123_4|CANCELLED by 0|0:15"). */
export function parseSacct(stdout: string): SlurmJobState[] {
  const out: SlurmJobState[] = [];
  for (const line of stdout.split('\n')) {
    const [id, state, exitCode] = line.trim().split('|');
    if (!id || !state || id.includes('.')) continue;
    out.push({ id, state: normaliseState(state), ...(exitCode ? { exitCode } : {}) });
  }
  return out;
}
