// Prompt details beyond the template: a worked example of the edit format, the line saying how candidates are
// verified (held-out inputs, interleaved timing), and whether the parent improved or declined on its own parent.
import type { AttemptView, ParentView } from '../proposers/types.js';
import type { EditMode } from './edit-format.js';

/** The code the worked example edits (shown, then changed by the example answer). */
export const EXAMPLE_BEFORE = [
  '# EVOLVE-BLOCK-START',
  'def total(xs):',
  '    s = 0',
  '    for x in xs:',
  '        s += x * x',
  '    return s',
  '# EVOLVE-BLOCK-END',
  '',
].join('\n');

/** A complete answer in the given format for `EXAMPLE_BEFORE` held in the file `file`. */
export function exampleAnswer(mode: EditMode, file: string): string {
  const summary = 'Summary: sum of squares with a generator expression (one pass, no Python-level loop body)';
  if (mode === 'rewrite')
    return [
      summary,
      file,
      '```',
      '# EVOLVE-BLOCK-START',
      'def total(xs):',
      '    return sum(x * x for x in xs)',
      '# EVOLVE-BLOCK-END',
      '```',
    ].join('\n');
  return [
    summary,
    file,
    '<<<<<<< SEARCH',
    '    s = 0',
    '    for x in xs:',
    '        s += x * x',
    '    return s',
    '=======',
    '    return sum(x * x for x in xs)',
    '>>>>>>> REPLACE',
  ].join('\n');
}

/** The worked example for the system message (illustrates the format only; the code is not the problem's). */
export function workedExample(mode: EditMode, file: string): string {
  return [
    '# Worked example of the answer format',
    `If \`${file}\` held this code (an illustration, not your problem):`,
    '```',
    EXAMPLE_BEFORE.trimEnd(),
    '```',
    'a complete answer would be:',
    '',
    exampleAnswer(mode, file),
  ].join('\n');
}

/** What the model should know about how its candidate is judged. */
export const VERIFICATION_LINE =
  'How candidates are judged: a candidate that beats the best so far is verified on held-out inputs it never ' +
  'saw, with its timing interleaved with the incumbent (A/B on the same machine) and kept only when the speedup ' +
  'holds with confidence. Special-casing the visible inputs, caching results between runs or skipping work ' +
  'fails there; make the program genuinely faster or better.';

/** One line on how the parent did against its own parent, from the attempts the prompt already shows. */
export function directionText(parent: ParentView, history: readonly AttemptView[]): string {
  const own = history.find((a) => a.id === parent.id);
  if (!own || own.delta === null) return '';
  if (own.delta > 0)
    return `Direction: the current program improved the primary score by ${fmt(own.delta)} over its own parent ("${oneLine(own.summary)}"); building further in that direction may pay.`;
  if (own.delta < 0)
    return `Direction: the current program declined by ${fmt(-own.delta)} against its own parent ("${oneLine(own.summary)}"); consider undoing or reworking that change.`;
  return `Direction: the current program scored the same as its own parent ("${oneLine(own.summary)}"); that change did not matter, try something different.`;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').slice(0, 160);
const fmt = (n: number): string => Number(n.toPrecision(4)).toString();
