// Inspirations in prompts: cut to their evolvable regions, files equal to the parent's left out, duplicates dropped;
// on the shipped seeds (moe-grouped-gemm's header of fixed code, matmul-cpu's whole-file region).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPrompt } from '../orchestrator/prompts/build-prompt.js';
import { CUT_LINE, evolvableText, trimInspirations } from '../orchestrator/prompts/inspiration-trim.js';
import type { ProgramView } from '../orchestrator/proposers/types.js';
import { loadProblem } from '../problems/src/load.js';
import { makeContext } from './fakes/tiny-problem.js';

const problemDir = (name: string) => path.join(import.meta.dirname, '..', 'problems', name);
const gemm = loadProblem(problemDir('moe-grouped-gemm'));
const GEMM = readFileSync(path.join(problemDir('moe-grouped-gemm'), 'seed', 'grouped_gemm.py'), 'utf8');

const view = (id: string, files: Record<string, string>): ProgramView => ({
  id,
  files,
  metrics: { score: 1 },
  score: 1,
  correct: true,
  generation: 1,
});

describe('inspirations trimmed to evolvable regions', () => {
  it('keeps the marker lines and the region, drops the fixed code around it', () => {
    const header = GEMM.slice(0, GEMM.indexOf('# EVOLVE-BLOCK-START'));
    expect(header.split('\n').length).toBeGreaterThan(20); // real fixed code to cut
    const t = evolvableText(GEMM);
    expect(t.startsWith('# EVOLVE-BLOCK-START')).toBe(true);
    expect(t.trimEnd().endsWith('# EVOLVE-BLOCK-END')).toBe(true);
    expect(t).not.toContain(header.trim().split('\n')[0]);
    expect(GEMM).toContain(t.trimEnd());
    // Two regions are joined by the cut line; a file without markers is kept whole.
    const two =
      'fixed()\n# EVOLVE-BLOCK-START\na = 1\n# EVOLVE-BLOCK-END\nmiddle()\n# EVOLVE-BLOCK-START\nb = 2\n# EVOLVE-BLOCK-END\ntail()\n';
    expect(evolvableText(two)).toBe(
      `# EVOLVE-BLOCK-START\na = 1\n# EVOLVE-BLOCK-END\n${CUT_LINE}\n# EVOLVE-BLOCK-START\nb = 2\n# EVOLVE-BLOCK-END\n`,
    );
    expect(evolvableText('no markers\n')).toBe('no markers\n');
  });

  it('leaves out files equal to the parent and programs that show nothing new or the same as another', () => {
    const changed = GEMM.replace('# EVOLVE-BLOCK-START\n', '# EVOLVE-BLOCK-START\nBLOCK = 64\n');
    const headerOnly = GEMM.replace(/^/, '# a different header comment\n'); // only fixed code differs
    const out = trimInspirations(
      [
        view('same', { 'grouped_gemm.py': GEMM }),
        view('a', { 'grouped_gemm.py': changed }),
        view('header', { 'grouped_gemm.py': headerOnly }),
        view('a-again', { 'grouped_gemm.py': changed + '\n' }), // differs outside the region only
      ],
      { 'grouped_gemm.py': GEMM },
    );
    expect(out.map((p) => p.id)).toEqual(['a']);
    expect(out[0]!.files['grouped_gemm.py']).toBe(evolvableText(changed));
  });

  it('makes the prompt shorter by the fixed code of every inspiration, and still shows each region once', () => {
    const ctx = makeContext(gemm);
    const edits = ['BLOCK = 32', 'BLOCK = 64', 'BLOCK = 128'];
    const inspirations = edits.map((e, i) =>
      view(`i${i}`, {
        'grouped_gemm.py': GEMM.replace('# EVOLVE-BLOCK-START\n', `# EVOLVE-BLOCK-START\n${e}\n`),
      }),
    );
    const built = buildPrompt(
      { ...ctx, inspirations: [...inspirations, inspirations[1]!] },
      { mode: 'diff', contextTokens: 200_000, maxOutputTokens: 8_000 },
    );
    for (const e of edits) expect(built.user.split(e).length - 1).toBe(1);
    expect(built.user).toContain('files equal to the current program');
    // The parent shows the file whole once; no inspiration repeats the header.
    const headerLine = GEMM.split('\n').find(
      (l) => l.trim().length > 20 && GEMM.indexOf(l) < GEMM.indexOf('EVOLVE-BLOCK-START'),
    )!;
    expect(built.user.split(headerLine).length - 1).toBe(1);
  });
});
