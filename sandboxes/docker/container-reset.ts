// Resets a used session container for the next sample of the same party (adrs_reset.py, a root exec) and says whether it is verifiably clean.
import type Docker from 'dockerode';
import { TRUSTED_ID } from '../warden/warden.js';
import { SANDBOX_OWNER } from './container-files.js';
import { WORKSPACE } from './container-shape.js';
import { TRUSTED_DIR } from './readonly-dirs.js';
import { runExec, type ExecControl, type ExecPlan, type RawExecResult } from './run-exec.js';
import { containerPython, type AgentSocket } from './agent-socket.js';
import { agentExec, AgentUnavailable } from './agent-client.js';

/**
 * Killing, wiping and checking take milliseconds on a quiet machine; under heavy load, starting Python and
 * waiting for killed processes to be reaped take seconds. adrs_reset.py waits at most 15 s (kill loop) + 20 s
 * (settle) for that; this deadline lies above both, and a container that needs longer is replaced.
 */
const RESET_TIMEOUT_MS = 60_000;

export type ResetReport = { clean: true; oomKills: number } | { clean: false; why: string };

let source: string | undefined;
function resetSource(): string {
  source ??= containerPython('adrs_reset.py');
  return source;
}

/**
 * Kills every process but init and the keep-alive, wipes the workspace, /tmp, /dev/shm, /dev/mqueue, the
 * trusted folder and System V IPC, then checks all of it as root (which candidate code cannot signal).
 * Never throws: whatever goes wrong is a `clean: false` report, and the caller replaces the container.
 */
export async function resetContainer(
  docker: Docker,
  container: Docker.Container,
  agentSocket?: AgentSocket,
): Promise<ResetReport> {
  const ids = (o: { uid: number; gid: number }): string => `${o.uid}:${o.gid}`;
  let stopped = false;
  try {
    const run = async (plan: ExecPlan, control: ExecControl): Promise<RawExecResult> => {
      // The exec agent (the container's main process, which the reset leaves alone as the keep-alive) saves a
      // `docker exec`; when it starts nothing, the engine runs it.
      if (agentSocket)
        try {
          return await agentExec(agentSocket, plan, control);
        } catch (error) {
          if (!(error instanceof AgentUnavailable)) throw error;
        }
      return runExec(docker, container, plan, control);
    };
    const res = await run(
      {
        command: [
          'python3',
          '-I',
          '-S',
          '-c',
          resetSource(),
          '--candidate',
          ids(SANDBOX_OWNER),
          '--trusted',
          ids(TRUSTED_ID),
          '--workspace',
          WORKSPACE,
          '--trusted-dir',
          TRUSTED_DIR,
        ],
        user: '0:0',
        env: {},
        cwd: '/',
        timeoutMs: RESET_TIMEOUT_MS,
        outputBytes: 16 * 1024,
      },
      {
        stop: async () => {
          stopped = true;
          await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
        },
      },
    );
    if (stopped || res.stoppedFor)
      return { clean: false, why: `the reset did not finish (${res.stoppedFor})` };
    const line = res.stdout.text().trim().split('\n').pop() ?? '';
    const report = JSON.parse(line) as { clean?: boolean; why?: string; oom_kills?: number };
    if (res.exitCode === 0 && report.clean === true)
      return { clean: true, oomKills: Number(report.oom_kills) || 0 };
    return { clean: false, why: report.why ?? `the reset exited with ${res.exitCode}` };
  } catch (error) {
    return { clean: false, why: `the reset failed: ${(error as Error).message.split('\n')[0]}` };
  }
}
