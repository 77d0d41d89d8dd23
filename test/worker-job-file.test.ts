// Job files on the shared folder: both kinds read through one reader, with a one-line error naming the file and field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { jobKindOf, readVerifyWorkerJob } from '../orchestrator/executors/slurm/verify-worker-job.js';
import { readWorkerJob } from '../orchestrator/executors/slurm/worker-job.js';

const dir = mkdtempSync(path.join(tmpdir(), 'adrs-jobfile-'));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const verifyJob = {
  version: 1,
  kind: 'verify',
  verify: {
    id: 'v1',
    candidateId: 'c1',
    problemDir: '/p',
    problemHash: 'h',
    files: { 'a.py': 'x = 1\n' },
    baselineFiles: { 'a.py': 'x = 0\n' },
    baselineCandidateId: null,
    seed: 7,
    sandbox: 'local',
  },
  resultFile: '/shared/results/v1.json',
  progressFile: '/shared/progress/v1.jsonl',
  sandbox: 'local',
};

/** The InputError a reader throws, checked to be one line. */
function errorOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('expected the reader to throw');
}

describe('job files', () => {
  it('a verification job reads back as written and is told apart from an evaluation job', () => {
    const p = file('verify.json', JSON.stringify(verifyJob));
    expect(readVerifyWorkerJob(p)).toEqual(verifyJob);
    expect(jobKindOf(p)).toBe('verify');
    expect(jobKindOf(file('eval.json', JSON.stringify({ version: 1 })))).toBe('eval');
  });

  it('a missing or unparsable file names the flag, the file and the fix, for both kinds', () => {
    for (const read of [readWorkerJob, readVerifyWorkerJob]) {
      expect(errorOf(() => read(path.join(dir, 'absent.json')))).toMatch(
        /^--job .*absent\.json: cannot read the job file: ENOENT.*\(give a job file the coordinator wrote\)$/,
      );
      expect(errorOf(() => read(file('torn.json', '{"version": 1, "job"')))).toMatch(
        /^--job .*torn\.json: cannot read the job file: .*JSON/,
      );
    }
  });

  it('a file of the wrong shape names the field', () => {
    const wrong = file('wrong.json', JSON.stringify({ ...verifyJob, progressFile: 3 }));
    expect(errorOf(() => readVerifyWorkerJob(wrong))).toMatch(/wrong\.json: field "progressFile": .*string/);
    expect(errorOf(() => readWorkerJob(wrong))).toMatch(/wrong\.json: field "job": /);
  });
});
