import { describe, expect, it } from 'vitest';
import {
  isTerminal,
  normaliseState,
  parseSacct,
  parseSbatchId,
  parseScontrolJobs,
  parseSqueue,
} from '../orchestrator/executors/slurm/parse.js';

// Outputs captured from Slurm 22.05 (the Debian package .ci/slurm.sh starts), plus sacct output of a cluster with slurmdbd.
const SCONTROL_DONE =
  'JobId=3 ArrayJobId=1 ArrayTaskId=1 JobName=adrs-test UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState=COMPLETED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:04 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-25T21:56:58 Partition=debug NodeList=vm Command=/tmp/slt/j.sh WorkDir=/tmp/slt StdOut=/tmp/slt/out.1_1 Power= ';
const SCONTROL_REQUEUED =
  'JobId=4 ArrayJobId=4 ArrayTaskId=1 JobName=wrap UserId=root(0) JobState=PENDING Reason=BeginTime Dependency=(null) Requeue=1 Restarts=1 BatchFlag=1 ExitCode=0:0';
const SCONTROL_PENDING_REST =
  'JobId=9 ArrayJobId=9 ArrayTaskId=2-5 JobName=adrs-eval JobState=PENDING Reason=Resources Restarts=0 ExitCode=0:0';
const SCONTROL_FAILED =
  'JobId=12 ArrayJobId=10 ArrayTaskId=2 JobState=FAILED Reason=NonZeroExitCode Restarts=0 ExitCode=1:0';

describe('slurm output parsers', () => {
  it('reads the job id from sbatch --parsable, with or without a cluster name', () => {
    expect(parseSbatchId('1234\n')).toBe('1234');
    expect(parseSbatchId('1234;cluster-a\n')).toBe('1234');
    expect(parseSbatchId('sbatch: warning: something\n77\n')).toBe('77');
    expect(parseSbatchId('')).toBeUndefined();
    expect(parseSbatchId('sbatch: error: Batch job submission failed')).toBeUndefined();
  });

  it('reads squeue -r lines of array tasks with state and reason', () => {
    const jobs = parseSqueue('1_2|PENDING|Resources\n1_0|RUNNING|None\n\n1_1|COMPLETING|None\n');
    expect(jobs).toEqual([
      { id: '1_2', state: 'PENDING', reason: 'Resources' },
      { id: '1_0', state: 'RUNNING' },
      { id: '1_1', state: 'COMPLETING' },
    ]);
    expect(parseSqueue('')).toEqual([]);
  });

  it('reads scontrol show job -o: array task ids, state, exit code, restarts', () => {
    expect(parseScontrolJobs(SCONTROL_DONE)).toEqual([
      { id: '1_1', state: 'COMPLETED', exitCode: '0:0', restarts: 0 },
    ]);
    expect(parseScontrolJobs(SCONTROL_REQUEUED)[0]).toMatchObject({
      id: '4_1',
      state: 'PENDING',
      reason: 'BeginTime',
      restarts: 1,
    });
    // The not-yet-split remainder of an array keeps the array's own id.
    expect(parseScontrolJobs(SCONTROL_PENDING_REST)[0]?.id).toBe('9');
    const many = parseScontrolJobs(
      [SCONTROL_DONE, SCONTROL_FAILED, 'slurm_load_jobs error: Invalid job id specified'].join('\n'),
    );
    expect(many.map((j) => `${j.id}:${j.state}:${j.exitCode}`)).toEqual([
      '1_1:COMPLETED:0:0',
      '10_2:FAILED:1:0',
    ]);
    expect(parseScontrolJobs('JobId=5 JobName=x JobState=TIMEOUT ExitCode=0:15')[0]).toMatchObject({
      id: '5',
      state: 'TIMEOUT',
    });
  });

  it('reads sacct -P lines, skipping job steps and keeping the first word of the state', () => {
    const jobs = parseSacct(
      '123_4|CANCELLED by 0|0:15\n123_4.batch|CANCELLED|0:15\n124|NODE_FAIL|1:0\n125|COMPLETED|0:0\n',
    );
    expect(jobs).toEqual([
      { id: '123_4', state: 'CANCELLED', exitCode: '0:15' },
      { id: '124', state: 'NODE_FAIL', exitCode: '1:0' },
      { id: '125', state: 'COMPLETED', exitCode: '0:0' },
    ]);
  });

  it('maps short and decorated state names and knows which states are final', () => {
    expect(normaliseState('CA')).toBe('CANCELLED');
    expect(normaliseState('cancelled by 1000')).toBe('CANCELLED');
    expect(normaliseState('PR')).toBe('PREEMPTED');
    expect(normaliseState('TIMEOUT+')).toBe('TIMEOUT');
    for (const s of [
      'COMPLETED',
      'FAILED',
      'CANCELLED',
      'TIMEOUT',
      'NODE_FAIL',
      'OUT_OF_MEMORY',
      'PREEMPTED',
      'BOOT_FAIL',
    ])
      expect(isTerminal(s), s).toBe(true);
    for (const s of [
      'PENDING',
      'RUNNING',
      'REQUEUED',
      'REQUEUE_HOLD',
      'COMPLETING',
      'SUSPENDED',
      'CONFIGURING',
    ])
      expect(isTerminal(s), s).toBe(false);
  });
});
