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
    .description(
      'remove sandboxes whose adrs process is gone: local session folders and processes, Docker containers (--all: every one)',
    )
    .option('--all', 'remove every adrs container, including those of running adrs processes')
    .option('--dry-run', 'only list what would be removed')
    .option('--json', 'print JSON')
    .action(async (opts: GcOptions, cmd: Command) => {
      // Local sandboxes first: they need no engine (a kill -9 leaves their processes and temp folders).
      const local = await collectLocalSessions(opts);
      if (local.length && !opts.json)
        ctx.print(
          table(
            ['local session', 'processes killed', opts.dryRun ? 'would remove because' : 'removed because'],
            local.map((g) => [g.root, String(g.killed), g.reason]),
          ),
        );
      const { connectDocker, engineReachable } = await import('../../../sandboxes/docker/engine.js');
      const { collectGarbage } = await import('../../../sandboxes/docker/gc.js');
      const docker = connectDocker();
      if (!(await engineReachable(docker))) {
        if (opts.json) ctx.print(JSON.stringify({ local, docker: [] }));
        else if (local.length === 0)
          ctx.warn('adrs gc: nothing to remove (no Docker engine answers; local only)');
        return;
      }
      const gone = await collectGarbage(docker, { all: opts.all, dryRun: opts.dryRun });
      if (opts.json) {
        ctx.print(JSON.stringify({ local, docker: gone }));
        return;
      }
      if (gone.length === 0 && local.length === 0) {
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

async function collectLocalSessions(opts: GcOptions) {
  const { collectLocalGarbage, localSessionBases } = await import('../../../sandboxes/local/gc.js');
  return collectLocalGarbage(await localSessionBases(), { all: opts.all, dryRun: opts.dryRun });
}
