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
  it('names the platform failures and leaves the candidate ones alone', () => {
    expect(infrastructureCause(failed('sandbox could not start: EMFILE'))).toMatch(/sandbox could not start/);
    expect(
      infrastructureCause(
        failed(
          'evaluator failed (exit code 127)',
          'adrs warden: cannot start the evaluator /usr/bin/python3: [Errno 11] x',
        ),
      ),
    ).toMatch(/^adrs warden: cannot start the evaluator/);
    expect(
      infrastructureCause(
        failed(
          'evaluator failed (exit code 1)',
          'Traceback...\nBlockingIOError: [Errno 11] Resource temporarily unavailable\n',
        ),
      ),
    ).toMatch(/could not start a process/);
    expect(
      infrastructureCause(failed('evaluator failed (exit code 1)', 'ZeroDivisionError')),
    ).toBeUndefined();
    expect(infrastructureCause(failed('killed: process limit exceeded'))).toBeUndefined();
  });

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
