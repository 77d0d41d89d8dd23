// A proposer with an LLM's statistics over the knob problem: near-duplicates (comment-only and layout-only
// edits), neutral real changes, breakages and wins, in a fixed cycle. Records every context it was given.
import type { ProposalContext, ProposalResult, Proposer } from '../../orchestrator/proposers/types.js';

export type DupStep = 'win' | 'big-win' | 'neutral' | 'breaks' | 'dup-comment' | 'dup-layout';

/** 10 steps, 4 of them near-duplicates (40%), 2 wins, 1 rare big win, 2 neutral changes, 1 breakage. */
export const LLM_LIKE_CYCLE: DupStep[] = [
  'win',
  'dup-comment',
  'neutral',
  'dup-layout',
  'breaks',
  'dup-comment',
  'win',
  'neutral',
  'dup-layout',
  'big-win',
];

export interface DuplicatingProposer extends Proposer {
  readonly contexts: ProposalContext[];
  readonly steps: DupStep[];
}

export function duplicatingProposer(cycle: DupStep[] = LLM_LIKE_CYCLE, costUsd = 0.01): DuplicatingProposer {
  let i = 0;
  const contexts: ProposalContext[] = [];
  const steps: DupStep[] = [];
  const ok = (src: string, summary: string): ProposalResult => ({
    ok: true,
    files: { 'solution.py': src },
    edit: { kind: 'rewrite', outcome: 'applied', summary },
    proposer: 'duplicating',
    model: 'm',
    costUsd,
    llmCallIds: [],
  });
  return {
    name: 'duplicating',
    model: 'm',
    contexts,
    steps,
    async propose(ctx) {
      contexts.push(ctx);
      const step = cycle[i++ % cycle.length]!;
      steps.push(step);
      const src = ctx.parent.files['solution.py'] ?? '';
      const a = Number(/^A\s*=\s*(\d+)/m.exec(src)?.[1] ?? 0);
      switch (step) {
        case 'win':
          return ok(src.replace(/^A\s*=\s*\d+/m, `A = ${a + 1}`), `A ${a}->${a + 1}`);
        case 'big-win':
          return ok(src.replace(/^A\s*=\s*\d+/m, `A = ${a + 5}`), `A ${a}->${a + 5}`);
        case 'neutral':
          // A real code change with the same score: a new unused constant, different each time.
          return ok(src.replace(/^B\s*=/m, `UNUSED_${i} = ${i}\nB =`), `adds UNUSED_${i}`);
        case 'breaks':
          return ok(src.replace(/^B\s*=\s*\d+/m, 'B = 3'), 'B=3');
        case 'dup-comment':
          return ok(src.replace(/^A\s*=/m, `# try ${i}: tighter bound\nA =`), 'explains A');
        case 'dup-layout':
          return ok(src.replace(/^A\s*=\s*(\d+)/m, 'A  =  $1  ').replace(/\n/g, '\n\n'), 'reformats');
      }
    },
  };
}
