// The Slurm commands the executor uses (sbatch, squeue, scontrol, sacct, scancel), run without a shell; failures come back as data.
import path from 'node:path';
import { execa } from 'execa';
import { parseSacct, parseSbatchId, parseScontrolJobs, parseSqueue, type SlurmJobState } from './parse.js';

export interface CommandResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** What happened to a query: the states found, or a transient failure (controller unreachable) to retry later. */
export type QueryResult = { ok: true; jobs: SlurmJobState[] } | { ok: false; error: string };

const INVALID_ID = /invalid job id/i;

export class SlurmCli {
  /** @param binDir folder of the Slurm commands; default: found on PATH. */
  constructor(private readonly binDir?: string) {}

  private async exec(command: string, args: string[], timeoutMs = 60_000): Promise<CommandResult> {
    const file = this.binDir ? path.join(this.binDir, command) : command;
    const res = await execa(file, args, {
      reject: false,
      timeout: timeoutMs,
      stdin: 'ignore',
      env: { SLURM_TIME_FORMAT: 'standard' },
    });
    const stderr =
      String(res.stderr ?? '') || (res.failed && res.exitCode === undefined ? String(res.message) : '');
    return { ok: res.exitCode === 0, stdout: String(res.stdout ?? ''), stderr };
  }

  /** Submits a batch script; returns the (array) job id or the reason it failed. */
  async sbatch(
    args: string[],
    script: string,
  ): Promise<{ ok: true; id: string } | { ok: false; error: string }> {
    const res = await this.exec('sbatch', ['--parsable', ...args, script]);
    const id = res.ok ? parseSbatchId(res.stdout) : undefined;
    if (id) return { ok: true, id };
    return { ok: false, error: firstLine(res.stderr) || firstLine(res.stdout) || 'sbatch printed no job id' };
  }

  /** Live jobs among `ids` (array tasks expanded). Ids Slurm no longer knows are simply absent. */
  async squeue(ids: string[]): Promise<QueryResult> {
    if (ids.length === 0) return { ok: true, jobs: [] };
    const res = await this.exec('squeue', ['-h', '-r', '-o', '%i|%T|%r', '-j', ids.join(',')]);
    if (res.ok) return { ok: true, jobs: parseSqueue(res.stdout) };
    if (INVALID_ID.test(res.stderr)) return { ok: true, jobs: [] };
    return { ok: false, error: firstLine(res.stderr) || 'squeue failed' };
  }

  /** The controller's record of one job (kept MinJobAge seconds after it ends). */
  async scontrol(id: string): Promise<QueryResult> {
    const res = await this.exec('scontrol', ['show', 'job', '-o', id]);
    if (res.ok) return { ok: true, jobs: parseScontrolJobs(res.stdout) };
    if (INVALID_ID.test(res.stderr)) return { ok: true, jobs: [] };
    return { ok: false, error: firstLine(res.stderr) || 'scontrol failed' };
  }

  /** The accounting record of jobs; clusters without slurmdbd answer nothing (an empty list). */
  async sacct(ids: string[]): Promise<QueryResult> {
    if (ids.length === 0) return { ok: true, jobs: [] };
    const res = await this.exec('sacct', [
      '-n',
      '-P',
      '-X',
      '-o',
      'JobID,State,ExitCode',
      '-j',
      ids.join(','),
    ]);
    if (res.ok) return { ok: true, jobs: parseSacct(res.stdout) };
    if (/accounting storage is disabled|invalid job id/i.test(res.stderr)) return { ok: true, jobs: [] };
    return { ok: false, error: firstLine(res.stderr) || 'sacct failed' };
  }

  async scancel(id: string): Promise<CommandResult> {
    return this.exec('scancel', [id]);
  }

  /** True when the cluster answers (sinfo exits 0). */
  async available(): Promise<boolean> {
    return (await this.exec('sinfo', ['-h', '-o', '%P'], 15_000)).ok;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}
