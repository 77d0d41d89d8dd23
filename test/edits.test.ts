// Edits: parsing SEARCH/REPLACE blocks and rewrites, matching (exact, whitespace-tolerant, ambiguous), EVOLVE-BLOCK rules.
import { describe, expect, it } from 'vitest';
import { applyAnswer, combineRetry } from '../orchestrator/edits/apply-answer.js';
import { applyBlocks } from '../orchestrator/edits/apply-blocks.js';
import { evolvableLineCount, scanMarkers } from '../orchestrator/edits/markers.js';
import { parseBlocks } from '../orchestrator/edits/parse-blocks.js';
import { applyRewrite } from '../orchestrator/edits/rewrite.js';
import { TINY_SEED } from './fakes/tiny-problem.js';

const block = (search: string, replace: string, file: string | null = 'solution.py'): string =>
  `${file === null ? '' : file + '\n'}<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE`;

const one = { 'solution.py': TINY_SEED };

describe('parseBlocks', () => {
  it('reads several blocks for several files, with the common file-name variants', () => {
    const answer = [
      'Summary: two files',
      'a.py',
      block('x = 1', 'x = 2', null),
      '',
      '### File: `lib/b.py`',
      '```python',
      block('y = 1', 'y = 2', null),
      '```',
      '```python lib/b.py',
      block('z = 1', 'z = 2', null),
      block('w = 1', 'w = 2', null),
      '```',
      '**a.py**',
      block('v = 1', 'v = 2', null),
    ].join('\n');
    const { blocks, malformed } = parseBlocks(answer, ['a.py', 'lib/b.py']);
    expect(malformed).toEqual([]);
    expect(blocks.map((b) => [b.index, b.file, b.search, b.replace])).toEqual([
      [1, 'a.py', 'x = 1', 'x = 2'],
      [2, 'lib/b.py', 'y = 1', 'y = 2'],
      [3, 'lib/b.py', 'z = 1', 'z = 2'],
      [4, 'lib/b.py', 'w = 1', 'w = 2'], // carries the previous block's file
      [5, 'a.py', 'v = 1', 'v = 2'],
    ]);
  });

  it('reports a block without divider or REPLACE marker as malformed', () => {
    const answer =
      'a.py\n<<<<<<< SEARCH\nx = 1\n>>>>>>> REPLACE\n' +
      block('y', 'z', 'a.py') +
      '\n<<<<<<< SEARCH\nq\n=======\nr\n';
    const { blocks, malformed } = parseBlocks(answer, ['a.py']);
    expect(blocks).toHaveLength(1);
    expect(malformed.map((m) => m.index)).toEqual([1, 3]);
    expect(malformed[0]!.detail).toMatch(/no "=======" line/);
    expect(malformed[1]!.detail).toMatch(/no ">>>>>>> REPLACE"/);
  });
});

describe('applyBlocks', () => {
  const apply = (answer: string, files: Record<string, string> = one) => {
    const parsed = parseBlocks(answer, Object.keys(files));
    return applyBlocks(files, parsed.blocks, parsed.malformed);
  };

  it('applies an exact match inside the EVOLVE-BLOCK; no file name is needed with one evolved file', () => {
    const r = apply(block('        total += i * i', '        total += i ** 2', null));
    expect(r.outcomes).toEqual([{ index: 1, file: 'solution.py', status: 'applied' }]);
    expect(r.files['solution.py']).toBe(TINY_SEED.replace('total += i * i', 'total += i ** 2'));
  });

  it('tolerates trailing spaces, blank lines and indentation, and re-indents the replacement', () => {
    const search = 'for i in range(n):   \n\n    total += i * i';
    const replace = 'for i in range(1, n):\n    total += i * i';
    const r = apply(block(search, replace));
    expect(r.outcomes[0]!.status).toBe('applied-fuzzy');
    expect(r.outcomes[0]!.detail).toMatch(/indentation/);
    expect(r.files['solution.py']).toContain(
      '    for i in range(1, n):\n        total += i * i\n    return total',
    );
  });

  it('refuses an ambiguous SEARCH text', () => {
    const files = { 'a.py': '# EVOLVE-BLOCK-START\nx = 0\nx = 0\n# EVOLVE-BLOCK-END\n' };
    const r = apply(block('x = 0', 'x = 1', 'a.py'), files);
    expect(r.outcomes[0]).toMatchObject({ status: 'ambiguous' });
    expect(r.outcomes[0]!.detail).toMatch(/2 times/);
    expect(r.files['a.py']).toBe(files['a.py']);
  });

  it('refuses a SEARCH text that is not there, naming the reason', () => {
    const r = apply(block('return total * 2', 'return 0'));
    expect(r.outcomes[0]).toMatchObject({ status: 'no-match' });
    expect(r.files['solution.py']).toBe(TINY_SEED);
  });

  it('refuses edits outside the EVOLVE-BLOCK and edits that touch the markers', () => {
    const outside = apply(block('import math', 'import numpy'));
    expect(outside.outcomes[0]).toMatchObject({ status: 'outside-evolve-block' });
    const marker = apply(block('# EVOLVE-BLOCK-START\ndef sum_squares(n):', 'def sum_squares(n):'));
    expect(marker.outcomes[0]).toMatchObject({ status: 'outside-evolve-block' });
    expect(marker.outcomes[0]!.detail).toMatch(/marker/);
    const adds = apply(
      block('    return total', '    return total\n# EVOLVE-BLOCK-END\n# EVOLVE-BLOCK-START'),
    );
    expect(adds.outcomes[0]).toMatchObject({ status: 'outside-evolve-block' });
    for (const r of [outside, marker, adds]) expect(r.files['solution.py']).toBe(TINY_SEED);
  });

  it('treats a file without markers as entirely evolvable, and applies blocks across files in order', () => {
    const files = {
      'a.py': 'A = 1\nB = 2\n',
      'pkg/b.c': '// EVOLVE-BLOCK-START\nint k = 1;\n// EVOLVE-BLOCK-END\nint z;\n',
    };
    const answer = [
      block('A = 1', 'A = 10', 'a.py'),
      block('A = 10', 'A = 100', 'a.py'),
      block('int k = 1;', 'int k = 2;', 'pkg/b.c'),
      block('int z;', 'int z = 0;', 'b.c'),
    ].join('\n');
    const r = apply(answer, files);
    expect(r.outcomes.map((o) => o.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'outside-evolve-block',
    ]);
    expect(r.files).toEqual({
      'a.py': 'A = 100\nB = 2\n',
      'pkg/b.c': files['pkg/b.c'].replace('k = 1', 'k = 2'),
    });
  });

  it('needs a file name when several files evolve, and refuses unknown files', () => {
    const files = { 'a.py': 'x = 1\n', 'b.py': 'x = 1\n' };
    const r = apply(block('x = 1', 'x = 2', null) + '\n' + block('x = 1', 'x = 2', 'c.py'), files);
    expect(r.outcomes.map((o) => o.status)).toEqual(['no-match', 'no-match']);
    expect(r.outcomes[0]!.detail).toMatch(/names no file/);
    expect(r.outcomes[1]!.detail).toMatch(/not an evolved file/);
  });
});

describe('markers', () => {
  it('finds regions in any comment syntax and reports unbalanced markers', () => {
    const c =
      '/* EVOLVE-BLOCK-START */\nint a;\n/* EVOLVE-BLOCK-END */\n-- EVOLVE-BLOCK-START\nx\n-- EVOLVE-BLOCK-END\n';
    expect(scanMarkers(c).regions).toHaveLength(2);
    expect(scanMarkers('# EVOLVE-BLOCK-START\nx\n').error).toMatch(/without an END/);
    expect(evolvableLineCount(TINY_SEED)).toBe(5);
  });
});

describe('rewrites', () => {
  const inner = (body: string) =>
    TINY_SEED.replace(/(# EVOLVE-BLOCK-START\n)[\s\S]*(# EVOLVE-BLOCK-END)/, `$1${body}$2`);

  it('keeps the outside text byte for byte and takes the new block content', () => {
    const newBody = 'def sum_squares(n):\n    return (n - 1) * n * (2 * n - 1) // 6\n';
    // The model dropped a trailing space and a blank line outside: tolerated, the original outside text is kept.
    const model = inner(newBody).replace('\n\n\ndef main', '\n\ndef main');
    const r = applyRewrite(TINY_SEED, model);
    expect(r).toEqual({ content: inner(newBody) });
  });

  it('refuses a rewrite that changes text outside the EVOLVE-BLOCK, saying where', () => {
    const r = applyRewrite(
      TINY_SEED,
      inner('def sum_squares(n):\n    return 0\n').replace('import math', 'import numpy'),
    );
    expect('detail' in r && r.detail).toMatch(/outside the EVOLVE-BLOCK changed near "import math"/);
    const noMarkers = applyRewrite(TINY_SEED, 'def sum_squares(n):\n    return 0\n');
    expect('detail' in noMarkers && noMarkers.detail).toMatch(/0 EVOLVE-BLOCK regions/);
  });

  it('applyAnswer reads a fenced rewrite when there is no SEARCH marker', () => {
    const code = inner('def sum_squares(n):\n    return sum(i * i for i in range(n))\n');
    const r = applyAnswer(`Summary: use a generator\n\n\`\`\`python\n${code}\`\`\`\n`, one);
    expect(r.kind).toBe('rewrite');
    expect(r.outcome).toBe('applied');
    expect(r.modelSummary).toBe('use a generator');
    expect(applyAnswer('**Summary:** use x ** 2\n', one).modelSummary).toBe('use x ** 2');
    expect(r.files['solution.py']).toBe(code);
  });

  it('applyAnswer says so when the answer holds no edit, and when an edit changes nothing', () => {
    expect(applyAnswer('I think it is fine.', one)).toMatchObject({ kind: 'none', outcome: 'failed' });
    const same = applyAnswer(block('    return total', '    return total'), one);
    expect(same).toMatchObject({ outcome: 'failed', problem: 'the edit leaves the code unchanged' });
  });
});

describe('combineRetry', () => {
  it('keeps the first answer’s applied blocks and adds the follow-up’s', () => {
    const first = applyAnswer(
      block('    total = 0', '    total = 0  # start') + '\n' + block('nope', 'x'),
      one,
    );
    expect(first.outcome).toBe('partly-applied');
    const second = applyAnswer(block('        total += i * i', '        total += i ** 2'), first.files);
    const merged = combineRetry(one, first, second);
    expect(merged.outcome).toBe('applied');
    expect(merged.outcomes.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(merged.files['solution.py']).toContain('total = 0  # start');
    expect(merged.files['solution.py']).toContain('i ** 2');
  });
});
