// The adrs CLI: a thin commander program; each subcommand lives in commands/<name>.ts and is loaded only when named.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { AdrsError, coerceError } from '../../core/errors.js';
import { adrsVersion } from '../../core/version.js';
import type { CliContext, CliIo } from './context.js';

/** A subcommand module: registers itself on the program. */
export interface CommandModule {
  register(program: Command, ctx: CliContext): void;
}

/** Exit codes: 0 ok, 1 the work failed (e.g. a run failed), 2 bad input, 3 not found, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, input: 2, notFound: 3, interrupted: 130 } as const;

const commandsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

/** The command files: commands/<name>.(js|ts) registers the subcommand <name>. */
function commandFiles(): Map<string, string> {
  const files = readdirSync(commandsDir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('.test.'))
    .sort();
  return new Map(files.map((f) => [f.replace(/\.(js|ts)$/, ''), f]));
}

/**
 * Loads only what this invocation needs, since each module pulls in its layers (start-up cost every
 * Slurm job pays through `adrs worker`): the named subcommand; none for --version; all of them for
 * the overview help and for an unknown name (so commander can list them and suggest one).
 */
async function loadCommands(argv: readonly string[]): Promise<CommandModule[]> {
  const files = commandFiles();
  const first = argv[0];
  let wanted: string[];
  if (first === '-V' || first === '--version') wanted = [];
  else if (first !== undefined && files.has(first)) wanted = [files.get(first)!];
  else wanted = [...files.values()];
  const mods: CommandModule[] = [];
  for (const f of wanted)
    mods.push((await import(pathToFileURL(path.join(commandsDir, f)).href)) as CommandModule);
  return mods;
}

/** Runs the CLI with the given arguments (without "node adrs"); returns the exit code. */
export async function runCli(argv: string[], partialIo: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = {
    stdout: partialIo.stdout ?? process.stdout,
    stderr: partialIo.stderr ?? process.stderr,
    env: partialIo.env ?? process.env,
    cwd: partialIo.cwd ?? process.cwd(),
    signal: partialIo.signal,
  };
  const program = new Command('adrs')
    .description('Agent-driven algorithm discovery: evolve code with LLMs, verify speedups in sandboxes.')
    .version(adrsVersion())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  const mods = await loadCommands(argv);
  if (mods.length > 0) {
    // The context opens stores (better-sqlite3): loaded only where a command may use it.
    const ctx: CliContext = (await import('./context.js')).makeContext(io);
    for (const mod of mods) mod.register(program, ctx);
  }
  let code: number = EXIT.ok;
  program.hook('postAction', (_this, action) => {
    const c = (action as Command & { exitCodeOverride?: number }).exitCodeOverride;
    if (typeof c === 'number') code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.input;
    }
    const e = coerceError(error);
    io.stderr.write(`adrs: ${e.message}\n`);
    if (io.env.ADRS_DEBUG && e.cause instanceof Error) io.stderr.write(String(e.cause.stack) + '\n');
    if (!(error instanceof AdrsError) && e.cause instanceof Error && io.env.ADRS_DEBUG === undefined) {
      io.stderr.write('(set ADRS_DEBUG=1 for the stack trace)\n');
    }
    return e.code === 'input' ? EXIT.input : e.code === 'not-found' ? EXIT.notFound : EXIT.failed;
  }
}

/** Lets an action set the process exit code without throwing. */
export function setExitCode(command: Command, code: number): void {
  (command as Command & { exitCodeOverride?: number }).exitCodeOverride = code;
}
