// Finds the `@knob` declarations in a source file: the schedule parameters the offline tuner may set.
//
// Syntax. A knob is a comment line followed immediately by the line that holds its current value:
//
//     // @knob TILE_I: [8, 16, 32, 64]        (C, C++, CUDA, JS: `//`; Python, shell, YAML: `#`)
//     #define TILE_I 16
//
//     # @knob ORDER: ["ijk", "ikj"]
//     ORDER = "ikj"
//
// - The comment line is `//` or `#`, then `@knob NAME: VALUES` and nothing else. NAME is an
//   identifier ([A-Za-z_][A-Za-z0-9_]*), unique across a problem's seed files. VALUES is a non-empty
//   JSON array of distinct numbers, strings or booleans: the allowed values.
// - The next line holds the value: its last whitespace-separated token, ignoring one trailing `;`
//   or `,` (so `int T = 16;` and `T = 16,` work). Strings may be quoted ('x' or "x") or bare;
//   booleans may be spelled true/false or True/False. A value cannot contain spaces, and the value
//   line cannot end with a trailing comment.
// - The current value must be one of the allowed values.
// Knobs normally sit inside an EVOLVE-BLOCK, where an LLM may also rewrite the code around them.
import { InputError } from '../../core/errors.js';

export type KnobValue = number | string | boolean;

export interface Knob {
  name: string;
  /** Allowed values, in declaration order. */
  values: KnobValue[];
  /** The value on the value line (one of `values`). */
  current: KnobValue;
  /** 1-based number of the value line (the line after the `@knob` comment). */
  line: number;
}

const KNOB_COMMENT = /^\s*(?:\/\/|#)\s*@knob\b(.*)$/;
const KNOB_BODY = /^\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(\[.*\])\s*$/;
/** The last token of a line, split into the token, an optional `;`/`,`, and trailing spaces. */
const VALUE_TOKEN = /(\S+?)([;,]?)(\s*)$/;

/** Where the value token of a value line starts and ends. */
export function valueSpan(line: string): { start: number; end: number; token: string } | undefined {
  const match = VALUE_TOKEN.exec(line);
  if (!match || match[1] === undefined) return undefined;
  return { start: match.index, end: match.index + match[1].length, token: match[1] };
}

function unquote(token: string): string {
  const q = token[0];
  if (token.length >= 2 && (q === '"' || q === "'") && token.endsWith(q)) return token.slice(1, -1);
  return token;
}

/** Whether a source token spells the value `v`. */
export function tokenMatches(token: string, v: KnobValue): boolean {
  if (typeof v === 'number') return token.trim() !== '' && Number(token) === v;
  if (typeof v === 'boolean') return token.toLowerCase() === String(v);
  return unquote(token) === v;
}

/** Spells `v` in the style of the token it replaces (quotes, True/true). */
export function formatValue(v: KnobValue, previous: string): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') {
    const text = String(v);
    return /^[A-Z]/.test(previous) ? text[0]!.toUpperCase() + text.slice(1) : text;
  }
  const q = previous[0];
  return (q === '"' || q === "'") && previous.length >= 2 && previous.endsWith(q) ? `${q}${v}${q}` : v;
}

export function describeValues(values: KnobValue[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function parseValues(text: string, where: string, name: string): KnobValue[] {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    throw new InputError(`${where}: @knob ${name}: ${text} is not a JSON array (write e.g. [8, 16, 32])`);
  }
  const ok = (v: unknown): v is KnobValue =>
    (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string' || typeof v === 'boolean';
  if (!Array.isArray(values) || values.length === 0 || !values.every(ok))
    throw new InputError(
      `${where}: @knob ${name}: the allowed values must be a non-empty JSON array of numbers, strings or booleans`,
    );
  if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length)
    throw new InputError(`${where}: @knob ${name}: the allowed values repeat (list each value once)`);
  return values;
}

/**
 * The knobs declared in `source`, in order. `file` only labels error messages.
 * Throws InputError (naming the file, line and knob) for a malformed declaration, a missing value
 * line, a duplicate name, or a current value that is not allowed.
 *
 * @example
 * parseKnobs('// @knob TILE: [8, 16]\n#define TILE 16\n')
 * // => [{ name: 'TILE', values: [8, 16], current: 16, line: 2 }]
 */
export function parseKnobs(source: string, file = 'source'): Knob[] {
  const lines = source.split('\n').map((line) => line.replace(/\r$/, ''));
  const knobs: Knob[] = [];
  for (let i = 0; i < lines.length; i++) {
    const comment = KNOB_COMMENT.exec(lines[i]!);
    if (!comment) continue;
    const where = `${file}:${i + 1}`;
    const body = KNOB_BODY.exec(comment[1]!);
    if (!body)
      throw new InputError(
        `${where}: malformed @knob line (write "// @knob NAME: [v1, v2]" or "# @knob NAME: [v1, v2]")`,
      );
    const name = body[1]!;
    const values = parseValues(body[2]!, where, name);
    if (knobs.some((k) => k.name === name))
      throw new InputError(`${where}: @knob ${name} is declared twice (rename or remove one)`);
    const valueLine = lines[i + 1];
    const span = valueLine === undefined || KNOB_COMMENT.test(valueLine) ? undefined : valueSpan(valueLine);
    if (!span)
      throw new InputError(
        `${where}: @knob ${name} must be followed by the line holding its value (e.g. "#define ${name} ${String(values[0])}")`,
      );
    const current = values.find((v) => tokenMatches(span.token, v));
    if (current === undefined)
      throw new InputError(
        `${file}:${i + 2}: knob ${name} has value ${span.token}, which is not allowed (use one of: ${describeValues(values)})`,
      );
    knobs.push({ name, values, current, line: i + 2 });
  }
  return knobs;
}

/** The current value of every knob, by name. */
export function currentAssignment(knobs: readonly Knob[]): Record<string, KnobValue> {
  return Object.fromEntries(knobs.map((k) => [k.name, k.current]));
}
