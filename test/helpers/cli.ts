// Runs the adrs CLI in-process with its output captured (vitest's way: fake streams, no child process).
import { runCli } from '../../orchestrator/cli/main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `adrs ARGS` with stdout and stderr captured; env and cwd as given, else this process's. */
export async function cli(
  args: string[],
  io: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    ...io,
  });
  return { code, out, err };
}

/** `adrs ARGS` seeing only PATH plus `env`: no API key or setting of this machine reaches the command. */
export const cliClean = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): Promise<CliRun> =>
  cli(args, { env: { PATH: process.env.PATH, ...env }, cwd });
