// The offline tuner: a proposer that needs no LLM. It searches the declared `@knob` values by local search
// around the parent (one knob at a time, nearest values first) with random restarts, never repeating an assignment.
import { findKnobs, applyKnobsToFiles, type FileKnob } from '../knobs/files.js';
import type { KnobValue } from '../knobs/parse.js';
import { assignmentKey, describeChange, neighbours, randomAssignment } from './tune-search.js';
import type { EditRecord, ProposalContext, ProposalResult, Proposer } from './types.js';

export interface TuneConfig {
  /** Chance of a random restart even while untried neighbours remain. */
  restartProbability?: number;
}

export interface TuneState {
  tried: string[];
}

export interface TuneProposer extends Proposer {
  getState(): TuneState;
  setState(state: TuneState): void;
}

export function createTuneProposer(config: TuneConfig = {}): TuneProposer {
  const restart = config.restartProbability ?? 0.1;
  let tried = new Set<string>();

  const fail = (reason: string, fatal: boolean): ProposalResult => ({
    ok: false,
    reason,
    fatal,
    edit: { kind: 'knobs', outcome: 'failed', summary: reason },
    proposer: 'tune',
    model: null,
    costUsd: 0,
    llmCallIds: [],
  });

  return {
    name: 'tune',
    model: null,
    getState: () => ({ tried: [...tried] }),
    setState: (state) => {
      tried = new Set(state.tried);
    },
    // Synchronous up to the return, so concurrent proposals never pick the same assignment.
    propose(ctx: ProposalContext): Promise<ProposalResult> {
      let knobs: FileKnob[];
      try {
        knobs = findKnobs(ctx.parent.files);
      } catch (error) {
        return Promise.resolve(fail(`cannot read the parent's knobs: ${(error as Error).message}`, false));
      }
      if (knobs.length === 0)
        return Promise.resolve(
          fail('the program declares no @knob values (the tuner needs `// @knob NAME: [..]`)', true),
        );
      const current: Record<string, KnobValue> = Object.fromEntries(knobs.map((k) => [k.name, k.current]));
      tried.add(assignmentKey(current));
      let next: Record<string, KnobValue> | undefined;
      if (ctx.random() >= restart) {
        next = neighbours(knobs, current, ctx.random).find((a) => !tried.has(assignmentKey(a)));
      }
      next ??= randomAssignment(knobs, ctx.random, (a) => !tried.has(assignmentKey(a)));
      if (!next) return Promise.resolve(fail('every knob assignment has been tried', true));
      tried.add(assignmentKey(next));
      const files = applyKnobsToFiles(ctx.parent.files, next);
      const changed = Object.fromEntries(
        Object.entries(files).filter(([f, text]) => ctx.parent.files[f] !== text),
      );
      const edit: EditRecord = {
        kind: 'knobs',
        outcome: 'applied',
        summary: describeChange(current, next),
        knobs: Object.fromEntries(Object.entries(next).map(([k, v]) => [k, String(v)])),
      };
      return Promise.resolve({
        ok: true,
        files: changed,
        edit,
        proposer: 'tune',
        model: null,
        costUsd: 0,
        llmCallIds: [],
      });
    },
  };
}
