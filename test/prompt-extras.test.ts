// Prompt details: the worked example is a real answer in the parser's format (applied and run), the system
// message carries it with the verification line, and the direction line follows the parent's own delta.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { applyAnswer } from '../orchestrator/edits/apply-answer.js';
import { buildPrompt } from '../orchestrator/prompts/build-prompt.js';
import {
  directionText,
  EXAMPLE_BEFORE,
  exampleAnswer,
  VERIFICATION_LINE,
} from '../orchestrator/prompts/prompt-extras.js';
import { makeContext, makeTinyProblem, type TinyProblem } from './fakes/tiny-problem.js';

let tiny: TinyProblem | undefined;
afterEach(() => tiny?.cleanup());
const opts = { mode: 'auto' as const, contextTokens: 200_000, maxOutputTokens: 8_000, env: {} };

/** Runs `total([1, 2, 3, 4])` of a Python source in python3. */
const runTotal = (src: string): string =>
  execFileSync('python3', ['-c', `${src}\nprint(total([1, 2, 3, 4]))`], { encoding: 'utf8' }).trim();

describe('worked example', () => {
  for (const mode of ['diff', 'rewrite'] as const)
    it(`in ${mode} mode, applies through the real edit parser and the result runs with the same answer`, () => {
      const applied = applyAnswer(exampleAnswer(mode, 'm.py'), { 'm.py': EXAMPLE_BEFORE });
      expect(applied).toMatchObject({ kind: mode, outcome: 'applied', changed: ['m.py'] });
      expect(applied.files['m.py']).toContain('return sum(x * x for x in xs)');
      expect(applied.files['m.py']).not.toContain('for x in xs:\n');
      expect(runTotal(EXAMPLE_BEFORE)).toBe('30');
      expect(runTotal(applied.files['m.py']!)).toBe('30');
    });

  it('goes into the system message, in the mode of the prompt, with the verification line', () => {
    tiny = makeTinyProblem();
    // The tiny problem has no held-out inputs; one that has them is told how it is verified.
    const held = { ...tiny.problem, verifyWorkloadsDir: '/problem/workloads/verify' };
    const diff = buildPrompt({ ...makeContext(tiny.problem), problem: held }, { ...opts, mode: 'diff' });
    expect(diff.system).toContain('# Worked example of the answer format');
    expect(diff.system).toContain(exampleAnswer('diff', 'solution.py'));
    expect(diff.system).toContain(VERIFICATION_LINE);
    expect(diff.user).not.toContain('Worked example');
    const rewrite = buildPrompt(makeContext(tiny.problem), { ...opts, mode: 'rewrite' });
    expect(rewrite.system).toContain(exampleAnswer('rewrite', 'solution.py'));
    expect(rewrite.system).not.toContain('<<<<<<< SEARCH\n    s = 0');
    // A problem without held-out inputs is not told that it is verified on them.
    const none = { ...tiny.problem, verifyWorkloadsDir: undefined };
    expect(buildPrompt({ ...makeContext(tiny.problem), problem: none }, opts).system).not.toContain(
      VERIFICATION_LINE,
    );
  });
});

describe('direction text', () => {
  const attempt = (delta: number | null) => ({
    id: 'parent-1',
    parentId: 'p0',
    summary: 'unrolled\nthe loop',
    status: 'evaluated',
    score: 100,
    delta,
  });

  it('says improved, declined or unchanged from the parent’s own attempt, and nothing when it is unknown', () => {
    tiny = makeTinyProblem();
    const parent = makeContext(tiny.problem).parent;
    expect(directionText(parent, [attempt(12.5)])).toMatch(
      /^Direction: .*improved .* by 12\.5 .*"unrolled the loop"/,
    );
    expect(directionText(parent, [attempt(-3)])).toMatch(/declined by 3 .*undoing/);
    expect(directionText(parent, [attempt(0)])).toMatch(/scored the same/);
    expect(directionText(parent, [attempt(null)])).toBe('');
    expect(directionText(parent, [{ ...attempt(5), id: 'other' }])).toBe('');
  });

  it('goes into the task of the user message', () => {
    tiny = makeTinyProblem();
    const ctx = makeContext(tiny.problem, { history: [attempt(-3)] });
    const p = buildPrompt(ctx, opts);
    const task = p.user.slice(p.user.indexOf('# Task'));
    expect(task).toMatch(/Direction: the current program declined by 3/);
    expect(task).toMatch(/Propose one focused improvement/);
  });
});
