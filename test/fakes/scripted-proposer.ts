// A proposer that follows a script over the knob problem's solution.py, one step per call: raises A, adds a
// comment, breaks the program, makes it incorrect, fails, fails fatally, or throws. Records every context.
import type { ProposalContext, ProposalResult, Proposer } from '../../orchestrator/proposers/types.js';

export type Step = 'better' | 'same' | 'crash' | 'incorrect' | 'fail' | 'fatal' | 'throw';

export interface ScriptedProposer extends Proposer {
  readonly contexts: ProposalContext[];
  /** Outcomes the loop reported through observe(). */
  readonly observed: { proposer: string; parentScore: number | null; childScore: number | null }[];
}

export function scriptedProposer(
  steps: Step[],
  opts: { costUsd?: number; delayMs?: number; stateful?: boolean } = {},
): ScriptedProposer {
  let i = 0;
  const contexts: ProposalContext[] = [];
  const observed: ScriptedProposer['observed'] = [];
  const cost = opts.costUsd ?? 0.01;
  const ok = (files: Record<string, string>, summary: string): ProposalResult => ({
    ok: true,
    files,
    edit: { kind: 'rewrite', outcome: 'applied', summary },
    proposer: 'scripted',
    model: 'm',
    costUsd: cost,
    llmCallIds: [],
  });
  const proposer: ScriptedProposer = {
    name: 'scripted',
    model: 'm',
    contexts,
    observed,
    async propose(ctx) {
      contexts.push(ctx);
      const step = steps[i++ % steps.length]!;
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      const src = ctx.parent.files['solution.py'] ?? '';
      const a = Number(/^A = (\d+)/m.exec(src)?.[1] ?? 0);
      switch (step) {
        case 'better':
          return ok({ 'solution.py': src.replace(/^A = \d+/m, `A = ${a + 1}`) }, `A ${a}->${a + 1}`);
        case 'same':
          // A comment that depends on the run's RNG: a resumed run must draw the same numbers.
          return ok({ 'solution.py': src + `# ${i} ${Math.floor(ctx.random() * 1e6)}\n` }, 'comment');
        case 'crash':
          return ok({ 'solution.py': src + '# broken\n' }, 'breaks it');
        case 'incorrect':
          return ok({ 'solution.py': src.replace(/^B = \d+/m, 'B = 3') }, 'B=3');
        case 'throw':
          throw new Error('the model server went away');
        case 'fail':
        case 'fatal':
          return {
            ok: false,
            reason: step === 'fatal' ? 'budget exhausted' : 'no SEARCH block matched',
            fatal: step === 'fatal',
            edit: { kind: 'diff', outcome: 'failed', summary: 'no SEARCH block matched' },
            proposer: 'scripted',
            model: 'm',
            costUsd: cost,
            llmCallIds: [],
          };
      }
    },
    observe(o) {
      observed.push(o);
    },
  };
  if (opts.stateful) {
    proposer.getState = () => ({ i });
    proposer.setState = (s) => {
      i = (s as { i: number }).i;
    };
  }
  return proposer;
}
