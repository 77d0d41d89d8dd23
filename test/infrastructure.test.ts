// Failures of the platform are told apart from the candidate's: a sandbox that cannot start, a warden or evaluator that cannot fork.
import { describe, expect, it } from 'vitest';
import { infrastructureCause } from '../evaluators/infrastructure.js';
import type { EvaluationOutcome } from '../evaluators/result.js';
import { LocalSandbox } from '../sandboxes/local/local-sandbox.js';
import { runEvaluation } from '../evaluators/run-evaluation.js';

const failed = (reason: string, stderrTail = ''): EvaluationOutcome => ({
  status: 'failed',
  reason,
  feedback: '',
  durationMs: 1,
  stderrTail,
  stdoutTail: '',
});

describe('infrastructure failures', () => {
  it('names the platform failures from trusted signals only, and leaves the candidate ones alone', () => {
    expect(infrastructureCause(failed('sandbox could not start: EMFILE'))).toMatch(/sandbox could not start/);
    // What the trusted side wrote to ADRS_INFRA_REPORT (a file only the evaluator's uid can open).
    expect(
      infrastructureCause(
        failed('evaluator failed (exit code 127)'),
        'adrs warden: cannot start the evaluator /usr/bin/python3: [Errno 11] x\n',
      ),
    ).toMatch(/^adrs warden: cannot start the evaluator/);
    expect(
      infrastructureCause(
        failed('evaluator failed (exit code 1)'),
        'the evaluator could not start a process (BlockingIOError: [Errno 11] Resource temporarily unavailable)\n',
      ),
    ).toMatch(/could not start a process/);
    // The same words on stderr, which a candidate shares, are not a platform fault.
    for (const tail of [
      'Traceback...\nBlockingIOError: [Errno 11] Resource temporarily unavailable\n',
      'adrs warden: cannot start the evaluator /usr/bin/python3: [Errno 11] x',
      'sh: fork: retry: Resource temporarily unavailable',
    ])
      expect(infrastructureCause(failed('evaluator failed (exit code 1)', tail))).toBeUndefined();
    expect(
      infrastructureCause(failed('evaluator failed (exit code 1)', 'ZeroDivisionError')),
    ).toBeUndefined();
    // A limit the sandbox enforced is reachable by the candidate: its own failure, whatever the report says.
    expect(
      infrastructureCause(
        failed('killed: process limit exceeded'),
        'the evaluator could not start a process',
      ),
    ).toBeUndefined();
  });

  it("records a candidate that prints the platform-fault lines to the evaluator's stderr as its own failure", async () => {
    if (process.getuid?.() !== 0) return;
    const sandbox = new LocalSandbox();
    try {
      const outcome = await runEvaluation({
        sandbox,
        workspaceDir: import.meta.dirname,
        stage: 'screen',
        seed: 1,
        target: {
          // The evaluator hands the candidate its own stderr and fails when the candidate fails, as evaluators
          // that pass a program's diagnostics through do.
          command: [
            '/usr/bin/python3',
            '-c',
            [
              'import sys, adrs_candidate',
              'lines = "BlockingIOError: [Errno 11] Resource temporarily unavailable\\nadrs warden: cannot start the evaluator /usr/bin/python3: [Errno 11] x\\nbash: fork: retry: Resource temporarily unavailable"',
              'c = adrs_candidate.start(["/bin/sh", "-c", "printf \'%s\\\\n\' \\"$0\\" >&2; exit 1", lines], stderr=2)',
              'sys.exit(c.close(timeout=20) or 3)',
            ].join('\n'),
          ],
          evaluatorDir: import.meta.dirname,
          limits: { wallTimeMs: 30_000, memoryMb: 512, pids: 16, outputBytes: 8192 },
        },
      });
      expect(outcome.status).toBe('failed');
      expect(outcome.stderrTail).toContain('BlockingIOError: [Errno 11] Resource temporarily unavailable');
      expect(outcome.stderrTail).toContain('adrs warden: cannot start the evaluator');
      expect('infrastructure' in outcome ? outcome.infrastructure : undefined).toBeUndefined();
    } finally {
      await sandbox.dispose();
    }
  }, 60_000);

  it('marks a real evaluation whose evaluator cannot fork (RLIMIT_NPROC of its uid at 0 left) as infrastructure', async () => {
    if (process.getuid?.() !== 0) return;
    const sandbox = new LocalSandbox();
    try {
      const outcome = await runEvaluation({
        sandbox,
        workspaceDir: import.meta.dirname,
        stage: 'screen',
        seed: 1,
        target: {
          // The evaluator lowers its own process budget to what it runs now, then tries to fork.
          command: [
            '/usr/bin/python3',
            '-c',
            'import resource,os; resource.setrlimit(resource.RLIMIT_NPROC,(0,0)); os.fork()',
          ],
          evaluatorDir: import.meta.dirname,
          limits: { wallTimeMs: 20_000, memoryMb: 512, pids: 16, outputBytes: 8192 },
        },
      });
      expect(outcome.status).toBe('failed');
      expect('infrastructure' in outcome && outcome.infrastructure).toMatch(/could not start a process/);
    } finally {
      await sandbox.dispose();
    }
  }, 60_000);
});
