// Rewrites the value lines of `@knob` declarations (syntax in ./parse.ts); everything else stays byte for byte.
import { InputError } from '../../core/errors.js';
import { describeValues, formatValue, parseKnobs, tokenMatches, valueSpan, type KnobValue } from './parse.js';

/**
 * Returns `source` with each named knob set to its assigned value. Only the value token of each
 * knob's value line changes. Throws InputError naming the knob for an unknown name or a value that
 * is not in the knob's list (a string spelling of an allowed value, e.g. "16" for 16, is accepted).
 *
 * @example
 * applyKnobs('// @knob TILE: [8, 16]\n#define TILE 16\n', { TILE: 8 })
 * // => '// @knob TILE: [8, 16]\n#define TILE 8\n'
 */
export function applyKnobs(
  source: string,
  assignment: Readonly<Record<string, KnobValue>>,
  file = 'source',
): string {
  const knobs = parseKnobs(source, file);
  const lines = source.split('\n');
  for (const [name, wanted] of Object.entries(assignment)) {
    const knob = knobs.find((k) => k.name === name);
    if (!knob) {
      const known = knobs.map((k) => k.name).join(', ') || 'none';
      throw new InputError(`${file}: unknown knob "${name}" (knobs here: ${known})`);
    }
    const value = knob.values.find((v) => v === wanted || tokenMatches(String(wanted), v));
    if (value === undefined)
      throw new InputError(
        `knob ${name}: ${JSON.stringify(wanted)} is not an allowed value (use one of: ${describeValues(knob.values)})`,
      );
    const line = lines[knob.line - 1]!;
    const span = valueSpan(line)!;
    lines[knob.line - 1] = line.slice(0, span.start) + formatValue(value, span.token) + line.slice(span.end);
  }
  return lines.join('\n');
}
