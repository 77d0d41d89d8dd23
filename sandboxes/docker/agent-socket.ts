// Where a container's exec agent listens (its root-only volume, seen from the host) and how it is started and awaited.
import { lstat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../core/errors.js';
import { assetPath } from '../../core/paths.js';

/** The agent's folder in the container: a tmpfs volume of root's, mode 0700 (no other uid may enter it). */
export const AGENT_DIR = '/adrs-agent';
/** Under heavy load Python can take seconds to start; past this the session uses `docker exec` instead. */
const READY_TIMEOUT_MS = 20_000;

/**
 * Which path a command takes: `agent` (the default) runs it through the container's exec agent when the
 * engine is local and the image has /usr/bin/python3, else through `docker exec`; `engine` always through
 * `docker exec`. ADRS_DOCKER_EXEC sets it for a whole run.
 */
export type ExecVia = 'agent' | 'engine';

export function execViaDefault(env: NodeJS.ProcessEnv = process.env): ExecVia {
  const value = env.ADRS_DOCKER_EXEC;
  if (value === undefined || value === '' || value === 'agent') return 'agent';
  if (value === 'engine') return 'engine';
  throw new InputError(`ADRS_DOCKER_EXEC=${value}: use "agent" (the default) or "engine" (docker exec)`);
}

/**
 * The source of an in-container Python program (`file` in sandboxes/docker: the agent, the series reset) with
 * its shared module adrs_kill.py bundled in front: both run from their text (`python3 -I -S -c`), never from a
 * file in the container, so their module travels the same way. It is registered in sys.modules before the
 * program's own import, so no path a container could plant a file on is searched for it.
 */
export function containerPython(file: string): string {
  const read = (name: string): string => readFileSync(assetPath('sandboxes', 'docker', name), 'utf8');
  // A JSON string is a valid Python string literal (its escapes are Python's too).
  const kill = JSON.stringify(read('adrs_kill.py'));
  const prelude = [
    'import sys as _sys, types as _types',
    '_kill = _types.ModuleType("adrs_kill")',
    `exec(compile(${kill}, "adrs_kill.py", "exec"), _kill.__dict__)`,
    '_sys.modules["adrs_kill"] = _kill',
    'del _sys, _types, _kill',
  ].join('; ');
  return `${prelude}\n${read(file)}`;
}

let source: string | undefined;
function agentSource(): string {
  source ??= containerPython('adrs_agent.py');
  return source;
}

/** The container's environment variable that carries the agent's source (the agent drops it from every command's). */
export const AGENT_SOURCE_VAR = 'ADRS_AGENT_PY';

/**
 * The container's command: the agent when the image has /usr/bin/python3, else a marker saying so and the
 * old keep-alive (`sleep infinity`), so that image still works through `docker exec`. The source comes in the
 * environment (`agentEnv`), not the command line: pid 1's command line stays short and readable.
 */
export function agentCommand(): string[] {
  const bootstrap = `import os; exec(os.environ.pop("${AGENT_SOURCE_VAR}"))`;
  const script = [
    `if [ -x /usr/bin/python3 ]; then exec /usr/bin/python3 -I -S -c '${bootstrap}' "$1"; fi`,
    ': > "$1/none"',
    'exec sleep infinity',
  ].join('; '); // one line: pid 1's command line reads as one line in a process list
  return ['/bin/sh', '-c', script, 'adrs-agent', AGENT_DIR];
}

/** The container environment entry that carries the agent's source. */
export function agentEnv(): string {
  return `${AGENT_SOURCE_VAR}=${agentSource()}`;
}

/**
 * The agent's socket on the host, pinned to the inode that was a socket when the agent came up: the folder is the
 * container root's, so a malicious image could swap the name for a link to some host socket; connect() follows
 * links, so each connection first checks the name is still that socket (agent-client.ts).
 */
export interface AgentSocket {
  path: string;
  dev: number;
  ino: number;
}

/** The agent's socket once it listens (the host folder of its volume), or undefined when there is none. */
export async function agentReady(hostDir: string): Promise<AgentSocket | undefined> {
  const socket = path.join(hostDir, 'agent.sock');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let pause = 2;
  while (Date.now() < deadline) {
    // The volume is gone with a removed container: no agent will come.
    if (
      !(await lstat(hostDir).then(
        () => true,
        () => false,
      ))
    )
      return undefined;
    const info = await lstat(socket).catch(() => undefined);
    if (info?.isSocket()) return { path: socket, dev: info.dev, ino: info.ino };
    if (
      await lstat(path.join(hostDir, 'none')).then(
        () => true,
        () => false,
      )
    )
      return undefined;
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 50);
  }
  return undefined;
}

/** Whether `socket.path` is still the socket the agent made (not a link, not another file). */
export async function stillPinned(socket: AgentSocket): Promise<boolean> {
  const info = await lstat(socket.path).catch(() => undefined);
  return info !== undefined && info.isSocket() && info.dev === socket.dev && info.ino === socket.ino;
}
