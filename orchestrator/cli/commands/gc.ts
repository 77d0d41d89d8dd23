// `adrs gc`: removes sandbox containers that a crashed or killed adrs left behind (found by their adrs.* labels).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { table } from '../format.js';
import { EXIT, setExitCode } from '../main.js';

interface GcOptions {
  all?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('gc')
    .description('remove Docker sandbox containers whose adrs process is gone (or all of them with --all)')
    .option('--all', 'remove every adrs container, including those of running adrs processes')
    .option('--dry-run', 'only list what would be removed')
    .option('--json', 'print JSON')
    .action(async (opts: GcOptions, cmd: Command) => {
      const { connectDocker, pingEngine } = await import('../../../sandboxes/docker/engine.js');
      const { collectGarbage } = await import('../../../sandboxes/docker/gc.js');
      const docker = connectDocker();
      await pingEngine(docker);
      const gone = await collectGarbage(docker, { all: opts.all, dryRun: opts.dryRun });
      if (opts.json) {
        ctx.print(JSON.stringify(gone));
        return;
      }
      if (gone.length === 0) {
        ctx.warn('adrs gc: nothing to remove');
        return;
      }
      ctx.print(
        table(
          [
            'container',
            'session',
            'state',
            'created',
            opts.dryRun ? 'would remove because' : 'removed because',
          ],
          gone.map((c) => [c.name, c.session, c.state, c.created, c.reason]),
        ),
      );
      const failed = gone.filter((c) => !c.removed && !opts.dryRun);
      if (failed.length) setExitCode(cmd, EXIT.failed);
      if (failed.length)
        ctx.warn(
          `adrs gc: ${failed.length} container(s) could not be removed; try again or use docker rm -f`,
        );
    });
}
