// The @knob syntax: parsing declarations, rewriting value lines, and knobs spread over several files.
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { applyKnobs } from '../orchestrator/knobs/apply.js';
import { applyKnobsToFiles, findKnobs } from '../orchestrator/knobs/files.js';
import { currentAssignment, parseKnobs } from '../orchestrator/knobs/parse.js';

const C_SOURCE = [
  '#include <stddef.h>',
  '// EVOLVE-BLOCK-START',
  '// @knob TILE_I: [8, 16, 32]',
  '#define TILE_I 16',
  '  //   @knob   ORDER : ["ijk", "ikj"]',
  'static const char *ORDER = "ijk";',
  '// @knob FAST: [true, false]',
  'static const int FAST = false;',
  '// EVOLVE-BLOCK-END',
  '',
].join('\n');

const PY_SOURCE = [
  'import numpy as np',
  '# @knob BLOCK: [64, 128, 256]',
  'BLOCK = 128',
  '# @knob MODE: ["greedy", "sorted"]',
  "MODE = 'greedy'",
  '# @knob USE_HEAP: [true, false]',
  'USE_HEAP = True',
  '',
].join('\n');

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parseKnobs', () => {
  it('reads C declarations: names, allowed values, current value and value line', () => {
    expect(parseKnobs(C_SOURCE)).toEqual([
      { name: 'TILE_I', values: [8, 16, 32], current: 16, line: 4 },
      { name: 'ORDER', values: ['ijk', 'ikj'], current: 'ijk', line: 6 },
      { name: 'FAST', values: [true, false], current: false, line: 8 },
    ]);
  });

  it('reads Python declarations with # comments, quoted strings and True/False', () => {
    const knobs = parseKnobs(PY_SOURCE);
    expect(currentAssignment(knobs)).toEqual({ BLOCK: 128, MODE: 'greedy', USE_HEAP: true });
    expect(knobs.map((k) => k.line)).toEqual([3, 5, 7]);
  });

  it('finds nothing in a file without knobs, and ignores #define lines', () => {
    expect(parseKnobs('#define X 1\nint main(void) { return 0; }\n')).toEqual([]);
  });

  it('names the file, line and knob for malformed declarations', () => {
    expect(inputError(() => parseKnobs('// @knob TILE [8, 16]\n#define TILE 8\n', 'k.c')).message).toMatch(
      /^k\.c:1: malformed @knob line/,
    );
    expect(inputError(() => parseKnobs("// @knob TILE: [8, 'x']\n#define TILE 8\n", 'k.c')).message).toMatch(
      /k\.c:1: @knob TILE: .* not a JSON array/,
    );
    expect(inputError(() => parseKnobs('// @knob TILE: []\n#define TILE 8\n')).message).toMatch(/non-empty/);
    expect(inputError(() => parseKnobs('// @knob TILE: [8, 8]\n#define TILE 8\n')).message).toMatch(/repeat/);
    expect(inputError(() => parseKnobs('// @knob TILE: [8, null]\n#define TILE 8\n')).message).toMatch(
      /numbers, strings or booleans/,
    );
  });

  it('requires the value line right after the declaration', () => {
    expect(inputError(() => parseKnobs('// @knob TILE: [8, 16]\n\n#define TILE 8\n', 'k.c')).message).toMatch(
      /k\.c:1: @knob TILE must be followed by the line holding its value/,
    );
    expect(inputError(() => parseKnobs('x\n// @knob TILE: [8, 16]')).message).toMatch(/must be followed/);
    expect(inputError(() => parseKnobs('// @knob A: [1]\n// @knob B: [2]\nB = 2\n')).message).toMatch(
      /@knob A must be followed/,
    );
  });

  it('refuses a current value outside the list and a repeated name', () => {
    const wrong = inputError(() => parseKnobs('// @knob TILE: [8, 16]\n#define TILE 24\n', 'k.c'));
    expect(wrong.message).toBe('k.c:2: knob TILE has value 24, which is not allowed (use one of: 8, 16)');
    expect(
      inputError(() => parseKnobs('// @knob T: [8]\n#define T 8\n// @knob T: [8]\n#define T 8\n')).message,
    ).toMatch(/declared twice/);
  });

  it('takes the last token, ignoring a trailing ; or , and CRLF line ends', () => {
    const src = '// @knob T: [4, 8]\r\nconst int T = 8;\r\n# @knob U: [1, 2]\r\n  U = 2,  \r\n';
    expect(currentAssignment(parseKnobs(src))).toEqual({ T: 8, U: 2 });
  });
});

describe('applyKnobs', () => {
  it('rewrites only the value tokens and keeps every other byte', () => {
    const out = applyKnobs(C_SOURCE, { TILE_I: 32, ORDER: 'ikj', FAST: true });
    const changed = out.split('\n').flatMap((line, i) => (line === C_SOURCE.split('\n')[i] ? [] : [line]));
    expect(changed).toEqual([
      '#define TILE_I 32',
      'static const char *ORDER = "ikj";',
      'static const int FAST = true;',
    ]);
    expect(currentAssignment(parseKnobs(out))).toEqual({ TILE_I: 32, ORDER: 'ikj', FAST: true });
  });

  it('keeps Python quoting and True/False spelling, and CRLF line ends', () => {
    const out = applyKnobs(PY_SOURCE, { MODE: 'sorted', USE_HEAP: false, BLOCK: 64 });
    expect(out).toContain("MODE = 'sorted'\n");
    expect(out).toContain('USE_HEAP = False\n');
    expect(out).toContain('BLOCK = 64\n');
    const crlf = applyKnobs('// @knob T: [4, 8]\r\nconst int T = 8;\r\n', { T: 4 });
    expect(crlf).toBe('// @knob T: [4, 8]\r\nconst int T = 4;\r\n');
  });

  it('accepts the string spelling of an allowed number, and an empty assignment as a no-op', () => {
    expect(applyKnobs(C_SOURCE, { TILE_I: '8' })).toContain('#define TILE_I 8\n');
    expect(applyKnobs(C_SOURCE, {})).toBe(C_SOURCE);
  });

  it('refuses values outside the list and unknown knobs, naming the knob', () => {
    const bad = inputError(() => applyKnobs(C_SOURCE, { TILE_I: 24 }));
    expect(bad.message).toBe('knob TILE_I: 24 is not an allowed value (use one of: 8, 16, 32)');
    const badString = inputError(() => applyKnobs(C_SOURCE, { ORDER: 'jki' }));
    expect(badString.message).toMatch(/^knob ORDER: "jki" is not an allowed value/);
    const unknown = inputError(() => applyKnobs(C_SOURCE, { TILE_Z: 8 }, 'matmul.c'));
    expect(unknown.message).toBe('matmul.c: unknown knob "TILE_Z" (knobs here: TILE_I, ORDER, FAST)');
  });
});

describe('knobs across files', () => {
  const files = { 'kernel.c': C_SOURCE, 'tune.py': PY_SOURCE, 'README.md': '# no knobs\n' };

  it('lists every knob with its file', () => {
    const knobs = findKnobs(files);
    expect(knobs.map((k) => `${k.file}:${k.name}`)).toEqual([
      'kernel.c:TILE_I',
      'kernel.c:ORDER',
      'kernel.c:FAST',
      'tune.py:BLOCK',
      'tune.py:MODE',
      'tune.py:USE_HEAP',
    ]);
  });

  it('routes an assignment to the declaring files and leaves the others as given', () => {
    const out = applyKnobsToFiles(files, { TILE_I: 8, BLOCK: 256 });
    expect(out['kernel.c']).toContain('#define TILE_I 8\n');
    expect(out['tune.py']).toContain('BLOCK = 256\n');
    expect(out['README.md']).toBe(files['README.md']);
    expect(inputError(() => applyKnobsToFiles(files, { NOPE: 1 })).message).toMatch(/unknown knob "NOPE"/);
    expect(inputError(() => applyKnobsToFiles(files, { BLOCK: 100 })).message).toMatch(/^knob BLOCK: 100/);
  });

  it('refuses a knob name declared in two files', () => {
    const clash = inputError(() =>
      findKnobs({ 'a.c': '// @knob T: [1]\n#define T 1\n', 'b.py': '# @knob T: [1]\nT = 1\n' }),
    );
    expect(clash.message).toBe(
      'b.py:2: knob T is also declared in a.c:2 (knob names must be unique across seed files)',
    );
  });
});
