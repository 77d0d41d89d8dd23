// A fake Executor: evaluates a job with a JavaScript function of its files (no process, no sandbox), records
// the jobs and honours abort, so the loop's logic runs in microseconds per candidate.
import type { EvaluationOutcome } from '../../evaluators/result.js';
import type { EvalJob, Executor } from '../../orchestrator/executors/types.js';

export type FakeEvaluate = (
  files: Record<string, string>,
  job: EvalJob,
) => EvaluationOutcome | Promise<EvaluationOutcome>;

export class FakeExecutor implements Executor {
  readonly kind = 'fake';
  readonly jobs: EvalJob[] = [];
  disposed = false;

  constructor(
    private readonly evaluate: FakeEvaluate,
    private readonly opts: { delayMs?: number } = {},
  ) {}

  async run(job: EvalJob, signal?: AbortSignal): Promise<EvaluationOutcome> {
    this.jobs.push(job);
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    if (signal?.aborted) return failed('aborted', 0);
    return this.evaluate(job.files, job);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

export function failed(reason: string, durationMs = 1): EvaluationOutcome {
  return { status: 'failed', reason, feedback: reason, durationMs, stderrTail: reason, stdoutTail: '' };
}

/**
 * The knob problem's evaluator (test/loop-fixture.ts eval.py) in JavaScript: score = A + 2*B; B = 3 is
 * incorrect; "broken" in the file fails.
 */
export const knobEvaluate: FakeEvaluate = (files) => {
  const src = files['solution.py'] ?? '';
  if (src.includes('broken')) return failed('exit code 3: the candidate is broken');
  const a = Number(/^A = (\d+)/m.exec(src)?.[1] ?? 0);
  const b = Number(/^B = (\d+)/m.exec(src)?.[1] ?? 0);
  const correct = b !== 3;
  return {
    status: correct ? 'ok' : 'incorrect',
    result: {
      correct,
      metrics: { score: a + 2 * b, a },
      timings: {},
      feedback: correct ? '' : 'B = 3 is wrong',
      artifacts: {},
      checks: [{ name: 'b-not-3', ok: correct }],
    },
    durationMs: 1,
    stderrTail: '',
    stdoutTail: '',
  };
};
