// `adrs resume <run>`: continues a stopped (or killed) run exactly where its saved state left it.
import type { Command } from 'commander';
import { InputError } from '../../../core/errors.js';
import { loadProblem } from '../../../problems/src/load.js';
import { resolveRunId } from '../resolve.js';
import { mergeConfig, parseRunConfig, readConfigFile } from '../../config/load-config.js';
import type { CliContext } from '../context.js';
import { setExitCode } from '../main.js';
import type { SlurmFlags } from '../../executors/slurm/cli-flags.js';
import { addAllRunFlags, exitCodeOf, flagsToConfig, runEvolution, type RunFlags } from './evolve.js';

type ResumeFlags = RunFlags & SlurmFlags & { config?: string };

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('resume <run>')
    .description(
      'continue a stopped or killed run (flags such as --iterations or --budget-usd extend its limits)',
    );
  cmd.option(
    '--config <file>',
    'YAML settings laid over the saved config for this session (e.g. a lower maxTokens after refused requests)',
  );
  addAllRunFlags(cmd).action(async (runRef: string, opts: ResumeFlags, command: Command) => {
    const store = ctx.openStore(opts.db);
    try {
      const runId = resolveRunId(store, runRef);
      const run = store.getRun(runId);
      if (run.strategy === 'eval')
        throw new InputError(`run ${runId} is an \`adrs eval\` run; there is nothing to resume`);
      if (run.status === 'running')
        ctx.warn(`run ${runId} is marked running (killed, or still running elsewhere); resuming it here`);
      const saved = JSON.parse(run.config_json) as Record<string, unknown>;
      const file = opts.config ? readConfigFile(opts.config, ctx.cwd) : {};
      const config = parseRunConfig(
        mergeConfig(mergeConfig(saved, file), flagsToConfig(opts)),
        `run ${runId} config`,
      );
      const known =
        store.getProblem(run.problem_name, run.problem_hash) ?? store.getProblem(run.problem_name);
      const problem = loadProblem(known?.dir ?? run.problem_name, ctx.cwd);
      const result = await runEvolution(ctx, {
        store,
        problem,
        config,
        json: opts.json === true,
        resumeRunId: runId,
      });
      setExitCode(command, exitCodeOf(result));
    } finally {
      store.close();
    }
  });
}
