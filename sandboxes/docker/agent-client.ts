// The host's side of the exec agent (adrs_agent.py): runs a command or kills every process of the session through its Unix socket.
import net from 'node:net';
import type { ExecControl, ExecPlan, RawExecResult } from './run-exec.js';
import { ExecOutput, PIPE_GRACE_MS } from './exec-output.js';
import { stillPinned, type AgentSocket } from './agent-socket.js';

/** A kill request waits at most this long; past it (or on any failure) the caller kills the container instead. */
const KILL_TIMEOUT_MS = 15_000;
/** The agent sends output in chunks of at most 64 KiB: a longer frame is not the agent's, and is not buffered. */
const MAX_FRAME = 1 << 20;

/** The agent started nothing (it could not, or could not be reached): the same command may go through `docker exec`. */
export class AgentUnavailable extends Error {}

/** The agent vanished while a command ran: the container died (its main process is the agent). */
export class AgentLost extends Error {}

interface Frame {
  kind: string;
  payload: Buffer;
}

/** Splits the agent's byte stream into frames (type byte, 4-byte big-endian length, payload). */
class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** False once a frame was too long: the caller drops the connection. */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): boolean {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 5) {
      const length = this.buffer.readUInt32BE(1);
      if (length > MAX_FRAME) return false;
      if (this.buffer.length < 5 + length) return true;
      const kind = String.fromCharCode(this.buffer[0] as number);
      onFrame({ kind, payload: this.buffer.subarray(5, 5 + length) });
      this.buffer = this.buffer.subarray(5 + length);
    }
    return true;
  }
}

function parseUser(user: string): { uid: number; gid: number } {
  const [uid, gid] = user.split(':').map(Number);
  return { uid: uid ?? 0, gid: gid ?? uid ?? 0 };
}

/**
 * Runs `plan.command` through the agent at `socket`, with the semantics of runExec (run-exec.ts): the
 * deadline and runaway output call `control.stop` (the container is killed, so the agent too); output held
 * open past the main process's exit is swept after a grace period. Throws AgentUnavailable when nothing
 * was started, AgentLost when the connection ended before the command did (and we did not stop it).
 */
export async function agentExec(
  socket: AgentSocket,
  plan: ExecPlan,
  control: ExecControl,
): Promise<RawExecResult> {
  if (!(await stillPinned(socket))) throw new AgentUnavailable('exec agent: its socket was replaced');
  const started = Date.now();
  const { uid, gid } = parseUser(plan.user);
  return new Promise<RawExecResult>((resolve, reject) => {
    const conn = net.connect(socket.path);
    const reader = new FrameReader();
    let anyFrame = false;
    let status: number | null = null;
    let done = false;
    let unavailable: string | undefined;
    const timers: NodeJS.Timeout[] = [];
    const output = new ExecOutput(plan, control, () => conn.destroy());
    output.armDeadline();
    const onFrame = ({ kind, payload }: Frame): void => {
      anyFrame = true;
      if (kind === 'o') output.out(payload);
      else if (kind === 'e') output.err(payload);
      else if (kind === 'x') {
        status = (JSON.parse(payload.toString()) as { status: number }).status;
        // A child still holding the output: swept after a grace period, then the output is cut.
        timers.push(
          setTimeout(() => {
            if (done || output.stopped) return;
            void (control.sweep?.() ?? Promise.resolve())
              .catch(() => undefined)
              .finally(() => timers.push(setTimeout(() => conn.destroy(), PIPE_GRACE_MS)));
          }, PIPE_GRACE_MS),
        );
      } else if (kind === 'd') {
        done = true;
        conn.end();
      } else if (kind === 'u') {
        unavailable = payload.toString();
      }
    };
    conn.on('data', (chunk: Buffer) => {
      if (!reader.push(chunk, onFrame)) conn.destroy();
    });
    conn.on('error', () => undefined);
    conn.once('close', () => {
      for (const timer of timers) clearTimeout(timer);
      void (async () => {
        await output.settle();
        if (output.stoppedFor || status !== null) resolve(output.result(status, started));
        else if (unavailable !== undefined || !anyFrame)
          reject(new AgentUnavailable(`exec agent: nothing started (${unavailable ?? 'no answer'})`));
        else reject(new AgentLost('exec agent: the connection ended before the command did'));
      })();
    });
    const header = {
      op: 'exec',
      argv: plan.command,
      uid,
      gid,
      env: plan.env,
      cwd: plan.cwd,
      stdin: plan.stdin !== undefined,
    };
    conn.write(`${JSON.stringify(header)}\n`);
    const input = plan.stdin;
    if (input === undefined) conn.end();
    else if (Buffer.isBuffer(input)) conn.end(input);
    else input.on('error', () => conn.end()).pipe(conn);
  });
}

/**
 * Kills every process in the container but init and the agent: root's, then each of `owners`' (as that uid).
 * True once the agent saw none of them left; false when it could not (the caller kills the container).
 */
export async function agentKillAll(
  socket: AgentSocket,
  owners: { uid: number; gid: number }[],
): Promise<boolean> {
  if (!(await stillPinned(socket))) return false;
  return new Promise<boolean>((resolve) => {
    const conn = net.connect(socket.path);
    const reader = new FrameReader();
    let clean = false;
    const timer = setTimeout(() => conn.destroy(), KILL_TIMEOUT_MS);
    conn.on('data', (chunk: Buffer) => {
      const ok = reader.push(chunk, ({ kind, payload }) => {
        if (kind === 'k') clean = (JSON.parse(payload.toString()) as { clean?: boolean }).clean === true;
      });
      if (!ok) conn.destroy();
    });
    conn.on('error', () => undefined);
    conn.once('close', () => {
      clearTimeout(timer);
      resolve(clean);
    });
    conn.end(`${JSON.stringify({ op: 'kill', uids: owners.map((o) => [o.uid, o.gid]) })}\n`);
  });
}
