// Runs one command in a container through `container.exec`, demultiplexes its output into capped tails, and enforces a deadline.
import { Writable, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { OutputTail } from '../output-tail.js';
import { ExecOutput, PIPE_GRACE_MS } from './exec-output.js';

/** How often a running exec is asked whether its main process has exited. */
const POLL_MS = 500;

export interface ExecPlan {
  command: string[];
  user: string;
  env: Record<string, string>;
  cwd: string;
  stdin?: Readable | Buffer;
  timeoutMs: number;
  outputBytes: number;
  /** Each stderr chunk as it arrives (ExecOptions.onStderr). */
  onStderr?: (chunk: Buffer) => void;
}

export interface RawExecResult {
  exitCode: number | null;
  /** Why we stopped it: the deadline passed or output did not end. */
  stoppedFor?: 'timeout' | 'output';
  stdout: OutputTail;
  stderr: OutputTail;
  durationMs: number;
}

function sink(push: (chunk: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      push(chunk);
      done();
    },
  });
}

export interface ExecControl {
  /** Kills the container: called when the deadline passes or output runs away. */
  stop: () => Promise<void>;
  /** Kills what the command left running after its main process exited (it holds the output open). */
  sweep?: () => Promise<void>;
}

/**
 * Runs `plan.command` via exec. When the deadline passes (or output runs away) `control.stop` is
 * called; the stream then ends and the result says why. When the main process exits but a child
 * keeps the output open, `control.sweep` runs after a grace period and the output is cut.
 */
export async function runExec(
  docker: Docker,
  container: Docker.Container,
  plan: ExecPlan,
  control: ExecControl,
): Promise<RawExecResult> {
  const started = Date.now();
  const withStdin = plan.stdin !== undefined;
  const exec = await container.exec({
    Cmd: plan.command,
    User: plan.user,
    WorkingDir: plan.cwd,
    Env: Object.entries(plan.env).map(([k, v]) => `${k}=${v}`),
    AttachStdin: withStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: withStdin, stdin: withStdin })) as NodeJS.ReadWriteStream &
    Readable;
  const output = new ExecOutput(plan, control, () => stream.destroy());
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  docker.modem.demuxStream(
    stream,
    sink((chunk) => output.out(chunk)),
    sink((chunk) => output.err(chunk)),
  );
  if (withStdin) {
    const input = plan.stdin!;
    if (Buffer.isBuffer(input)) stream.end(input);
    else input.on('error', () => stream.end()).pipe(stream);
  }
  output.armDeadline();
  let exitedAt: number | undefined;
  let sweeping = false;
  const poll = setInterval(() => {
    if (output.stopped || sweeping) return;
    if (exitedAt !== undefined) {
      if (Date.now() - exitedAt < PIPE_GRACE_MS) return;
      sweeping = true;
      void (control.sweep?.() ?? Promise.resolve())
        .catch(() => undefined)
        .finally(() => setTimeout(() => stream.destroy(), PIPE_GRACE_MS).unref());
      return;
    }
    exec
      .inspect()
      .then((info) => {
        if (!info.Running && exitedAt === undefined) exitedAt = Date.now();
      })
      .catch(() => undefined);
  }, POLL_MS);
  try {
    await ended;
  } finally {
    clearInterval(poll);
  }
  await output.settle();
  let exitCode: number | null = null;
  if (!output.stoppedFor) {
    // The stream can end a moment before the daemon records the exit code.
    for (let i = 0; i < 50; i++) {
      const info = await exec.inspect().catch(() => undefined);
      if (!info) break;
      if (!info.Running) {
        exitCode = info.ExitCode ?? null;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return output.result(exitCode, started);
}
