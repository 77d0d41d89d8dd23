// The agent's system prompt and first message: the task, the parent's patch and what its evaluation said, earlier attempts.
import type { ProposalContext } from '../proposers/types.js';

export const AGENT_SYSTEM = `You are a performance engineer working on a real software repository.
Goal: make the given workload faster while every existing test keeps passing.
You work through tools on a private working copy: list_files, read_file, grep, profile_workload, edit_file,
run_workload, run_tests, finish. Profile first, find where the time goes, make a focused change, measure it
with run_workload, check it with run_tests, then call finish with a short summary.
Rules: every timed repeat runs in a fresh process, so caching results across calls does not help; the tests
are reset to the original commit before they run; patches that inspect the call stack or frames (inspect,
sys._getframe, traceback, gc.get_referrers, ...) or load ctypes/cffi are refused. Keep behaviour identical.`;

const clip = (text: string, max: number): string =>
  text.length <= max ? text : text.slice(0, max) + '\n... [cut]';

/** The first user message. `parentDiff` is the parent's patch against base_commit ("" for the seed). */
export function firstMessage(ctx: ProposalContext, parentDiff: string): string {
  const parts = [`# Task\n${ctx.problem.spec.description.trim()}`];
  const p = ctx.parent;
  if (parentDiff.trim()) {
    parts.push(
      `# Current patch (already applied to your working copy)\nScore ${p.score ?? 'n/a'}; metrics ${JSON.stringify(p.metrics)}.\n\`\`\`diff\n${clip(parentDiff, 20_000)}\n\`\`\``,
    );
  } else {
    parts.push(`# Starting point\nThe unmodified repository (speedup 1.0).`);
  }
  const feedback = [p.feedback, ...p.failedChecks.map((c) => `${c.name}: ${c.detail ?? 'failed'}`)]
    .filter(Boolean)
    .join('\n');
  if (feedback) parts.push(`# What the last evaluation said\n${clip(feedback, 4000)}`);
  if (p.stderrTail) parts.push(`# stderr of the last evaluation\n${clip(p.stderrTail, 2000)}`);
  // Attempts that failed at the provider (no code came back) tell the model nothing about its code.
  const attempts = ctx.history.filter((a) => !a.infrastructure).slice(-8);
  if (attempts.length)
    parts.push(
      `# Earlier attempts\n${attempts.map((a) => `- ${a.status}, score ${a.score ?? 'n/a'}: ${a.summary}`).join('\n')}`,
    );
  parts.push('Improve on the current patch (or replace it). Call finish when done.');
  return parts.join('\n\n');
}
