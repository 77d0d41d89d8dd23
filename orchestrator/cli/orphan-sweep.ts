// Before a run starts or resumes: removes local sandboxes that a killed adrs left behind, and says so in one line.
import type { CliContext } from './context.js';

/**
 * A kill -9 of `adrs evolve` leaves its sandbox processes running and its session folders in the temp dir;
 * nothing else would ever remove them. Their owner is recorded per session (sandboxes/local/gc.ts), so only
 * sessions whose adrs process is gone are touched. A failure to sweep never stops the run.
 */
export async function sweepOrphansBeforeRun(ctx: CliContext, quiet = false): Promise<void> {
  try {
    const { sweepOrphanedSessions } = await import('../../sandboxes/local/gc.js');
    const gone = await sweepOrphanedSessions();
    // --json keeps stderr for errors; the sweep itself still runs.
    if (gone.length === 0 || quiet) return;
    const owners = [...new Set(gone.map((g) => g.owner?.pid).filter((p) => p !== undefined))];
    const killed = gone.reduce((n, g) => n + g.killed, 0);
    ctx.warn(
      `swept ${gone.length} local sandbox(es) left by killed adrs process(es) ${owners.join(', ')} (${killed} process(es) ended)`,
    );
  } catch (error) {
    if (!quiet)
      ctx.warn(`could not sweep orphaned local sandboxes (${String(error)}); \`adrs gc\` retries it`);
  }
}
