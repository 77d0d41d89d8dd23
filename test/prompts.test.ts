// Prompts: what goes into the system and user messages, template overrides, mode choice, trimming, redaction.
import { afterEach, describe, expect, it } from 'vitest';
import { applyAnswer } from '../orchestrator/edits/apply-answer.js';
import { buildPrompt } from '../orchestrator/prompts/build-prompt.js';
import { retryMessage } from '../orchestrator/prompts/retry-message.js';
import { makeContext, makeTinyProblem, TINY_SEED, type TinyProblem } from './fakes/tiny-problem.js';

let tiny: TinyProblem | undefined;
afterEach(() => tiny?.cleanup());

const opts = { mode: 'auto' as const, contextTokens: 200_000, maxOutputTokens: 8_000, env: {} };

const program = (id: string, score: number) => ({
  id,
  files: { 'solution.py': TINY_SEED.replace('total = 0', `total = 0  # variant ${id}`) },
  metrics: { speed: score },
  score,
  correct: true,
  generation: 2,
});

describe('buildPrompt', () => {
  it('puts the problem and answer format in the system message and the program, feedback, inspirations and history in the user message', () => {
    tiny = makeTinyProblem();
    const ctx = makeContext(tiny.problem, {
      inspirations: [program('insp-a', 150), program('insp-b', 120)],
      history: [
        { id: 'c7', parentId: 'p', summary: 'unrolled the loop', status: 'evaluated', score: 90, delta: -10 },
      ],
    });
    ctx.parent.feedback = 'too slow on n=10^7';
    ctx.parent.failedChecks = [{ name: 'large-n', detail: 'timeout after 2 s' }];
    ctx.parent.stderrTail = 'Traceback: boom';
    const p = buildPrompt(ctx, opts);
    expect(p.system).toContain('Compute the sum of squares below n');
    expect(p.system).toContain('- speed: maximize (primary: ranks candidates) — calls per second');
    expect(p.mode).toBe('rewrite'); // 5 evolvable lines
    expect(p.system).toContain('complete new content of each file');
    expect(p.user).toContain('solution.py\n```python\n# Tiny problem seed');
    expect(p.user).toContain('score: 100; correct: yes; speed=100');
    expect(p.user).toContain('too slow on n=10^7');
    expect(p.user).toContain('- large-n: timeout after 2 s');
    expect(p.user).toContain('Traceback: boom');
    expect(p.user).toContain('# variant insp-a');
    expect(p.user).toContain('- unrolled the loop → evaluated, score 90 (-10 vs its parent)');
    expect(p.user).toMatch(/raise the primary metric "speed"/);
    expect(p.warnings).toEqual([]);
    expect(p.fits).toBe(true);
  });

  it('asks for SEARCH/REPLACE blocks for long programs or when configured', () => {
    const long = TINY_SEED.replace(
      '    return total',
      Array.from({ length: 70 }, (_, i) => `    x${i} = ${i}`).join('\n') + '\n    return total',
    );
    tiny = makeTinyProblem({ files: { 'solution.py': long } });
    expect(buildPrompt(makeContext(tiny.problem), opts).mode).toBe('diff');
    const forced = buildPrompt(makeContext(tiny.problem), { ...opts, mode: 'rewrite' });
    expect(forced.mode).toBe('rewrite');
    const diff = buildPrompt(makeContext(tiny.problem), { ...opts, mode: 'diff' });
    expect(diff.system).toContain('<<<<<<< SEARCH');
    expect(diff.system).toContain('the file-name line may be left out');
  });

  it('uses problem templates (problem.yaml prompts) and lets the run override them; unknown placeholders warn', () => {
    tiny = makeTinyProblem({
      yamlExtra: 'prompts:\n  system: prompts/system.md\n  user: prompts/user.md',
      extraFiles: {
        'prompts/system.md': 'PROBLEM-SYS {{problem_name}} :: {{description}}\n{{edit_format}}',
        'prompts/user.md': 'PROBLEM-USER\n{{parent_code}}\n{{mystery}}\n{{task}}',
      },
    });
    const p = buildPrompt(makeContext(tiny.problem), opts);
    expect(p.system).toMatch(/^PROBLEM-SYS tiny :: Compute the sum/);
    expect(p.user).toMatch(/^PROBLEM-USER\nsolution.py/);
    expect(p.warnings.join()).toMatch(/\{\{mystery\}\}/);
    const run = buildPrompt(
      makeContext(tiny.problem, { templates: { system: 'RUN-SYS {{language}}' } }),
      opts,
    );
    expect(run.system).toMatch(/^RUN-SYS python/);
    // The answer format is appended when a template leaves it out: the parser depends on it.
    expect(run.system).toContain('# How to answer');
    expect(run.user).toMatch(/^PROBLEM-USER/);
  });

  it('trims history first, then inspirations, then stderr to fit the context window, with a warning', () => {
    tiny = makeTinyProblem();
    const history = Array.from({ length: 10 }, (_, i) => ({
      id: `h${i}`,
      parentId: null,
      summary: `attempt number ${i} ` + 'x'.repeat(200),
      status: 'evaluated',
      score: i,
      delta: 0,
    }));
    const ctx = makeContext(tiny.problem, { history, inspirations: [program('i1', 1), program('i2', 2)] });
    ctx.parent.stderrTail = 'E'.repeat(3000);
    const full = buildPrompt(ctx, opts);
    // A window that fits the prompt without history.
    const noHistory = buildPrompt({ ...ctx, history: [] }, opts).estimatedTokens;
    const p1 = buildPrompt(ctx, { ...opts, contextTokens: noHistory + 8_000 + 256 });
    expect(p1.fits).toBe(true);
    expect(p1.user).not.toContain('attempt number');
    expect(p1.user).toContain('# variant i2');
    expect(p1.warnings.join()).toMatch(/trimmed .* \(cut: earlier attempts\)/);
    expect(p1.estimatedTokens).toBeLessThan(full.estimatedTokens);
    // Smaller still: the inspirations go, then stderr is shortened.
    const bare = buildPrompt({ ...ctx, history: [], inspirations: [] }, opts).estimatedTokens;
    const p2 = buildPrompt(ctx, { ...opts, contextTokens: bare - 400 + 8_000 + 256 });
    expect(p2.user).not.toContain('# variant');
    expect(p2.user).not.toContain('E'.repeat(600));
    expect(p2.warnings.join()).toMatch(/cut: earlier attempts, inspirations, stderr/);
    expect(p2.fits).toBe(true);
    // Too small for the program itself: reported, not thrown.
    const p3 = buildPrompt(ctx, { ...opts, contextTokens: 8_300 });
    expect(p3.fits).toBe(false);
  });

  it('redacts secret values of the environment from the prompt', () => {
    tiny = makeTinyProblem();
    const ctx = makeContext(tiny.problem);
    ctx.parent.stderrTail = 'key was fake-ant-abcdef123456';
    const p = buildPrompt(ctx, { ...opts, env: { ANTHROPIC_API_KEY: 'fake-ant-abcdef123456' } });
    expect(p.user).not.toContain('fake-ant-abcdef123456');
    expect(p.user).toContain('[redacted:ANTHROPIC_API_KEY]');
  });
});

describe('retryMessage', () => {
  it('names the failing block, its file and the reason, and shows the code as it is after the applied blocks', () => {
    const answer = [
      'solution.py\n<<<<<<< SEARCH\n    total = 0\n=======\n    total = 0  # start\n>>>>>>> REPLACE',
      'solution.py\n<<<<<<< SEARCH\n    return total * 3\n=======\n    return 0\n>>>>>>> REPLACE',
    ].join('\n');
    const applied = applyAnswer(answer, { 'solution.py': TINY_SEED });
    const msg = retryMessage(applied, 'diff', 'python');
    expect(msg).toMatch(/1 of your 2 edits applied/);
    expect(msg).toMatch(/Block 2 \(solution\.py\): no-match — SEARCH text not found/);
    expect(msg).toContain('total = 0  # start');
    const none = retryMessage(applyAnswer('no code here', { 'solution.py': TINY_SEED }), 'diff', 'python');
    expect(none).toMatch(/could not be used: the answer has no SEARCH\/REPLACE block/);
  });
});
