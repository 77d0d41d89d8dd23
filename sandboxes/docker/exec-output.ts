// One running command's output as both exec paths keep it (run-exec.ts through the engine, agent-client.ts through
// the exec agent): two capped tails, the stop on runaway output or a passed deadline, and the result they make.
import { OutputTail } from '../output-tail.js';
import type { ExecControl, ExecPlan, RawExecResult } from './run-exec.js';

/** A stream past this many times its kept tail is endless output: the container is killed. */
const OUTPUT_KILL_FACTOR = 64;
const OUTPUT_KILL_FLOOR = 1 << 20;
/** How long output may stay open after the main process exited (a background child holding it). */
export const PIPE_GRACE_MS = 1_000;

export class ExecOutput {
  readonly stdout: OutputTail;
  readonly stderr: OutputTail;
  private why: RawExecResult['stoppedFor'];
  private readonly killAt: number;
  private deadline: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  /** `cut` ends the command's output stream; it runs once `control.stop` has killed the container. */
  constructor(
    private readonly plan: ExecPlan,
    private readonly control: ExecControl,
    private readonly cut: () => void,
  ) {
    this.stdout = new OutputTail(plan.outputBytes);
    this.stderr = new OutputTail(plan.outputBytes);
    this.killAt = Math.max(OUTPUT_KILL_FACTOR * plan.outputBytes, OUTPUT_KILL_FLOOR);
  }

  /** Starts the plan's deadline (`settle` clears it). */
  armDeadline(): void {
    this.deadline = setTimeout(() => this.halt('timeout'), this.plan.timeoutMs);
  }

  out(chunk: Buffer): void {
    this.stdout.push(chunk);
    if (this.stdout.total > this.killAt) this.halt('output');
  }

  err(chunk: Buffer): void {
    this.stderr.push(chunk);
    this.plan.onStderr?.(chunk);
    if (this.stderr.total > this.killAt) this.halt('output');
  }

  /** Why we stopped the command, once we did. */
  get stoppedFor(): RawExecResult['stoppedFor'] {
    return this.why;
  }

  /** Whether a stop has begun (the container is being killed). */
  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /** Stops the command once, for `why`: `control.stop` kills the container, then the output is cut. */
  halt(why: 'timeout' | 'output'): void {
    if (this.stopping) return;
    this.why = why;
    this.stopping = this.control
      .stop()
      .catch(() => undefined)
      .finally(() => this.cut());
  }

  /** Clears the deadline and waits for a stop under way: call once the output has ended. */
  async settle(): Promise<void> {
    clearTimeout(this.deadline);
    if (this.stopping) await this.stopping;
  }

  /** The result: `exitCode` unless we stopped the command (then null), timed from `started`. */
  result(exitCode: number | null, started: number): RawExecResult {
    return {
      exitCode: this.why ? null : exitCode,
      stoppedFor: this.why,
      stdout: this.stdout,
      stderr: this.stderr,
      durationMs: Date.now() - started,
    };
  }
}
