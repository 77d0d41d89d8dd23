// Knobs across a problem's seed files: one namespace of knob names, routed back to the file that declares each.
import { InputError } from '../../core/errors.js';
import { applyKnobs } from './apply.js';
import { parseKnobs, type Knob, type KnobValue } from './parse.js';

export interface FileKnob extends Knob {
  /** The file (as named in the input map) that declares the knob. */
  file: string;
}

/**
 * Every knob in `files` (name -> source text), in file then line order. Knob names must be unique
 * across files (an assignment names knobs, not files); a repeat is an InputError naming both files.
 */
export function findKnobs(files: Readonly<Record<string, string>>): FileKnob[] {
  const out: FileKnob[] = [];
  for (const [file, source] of Object.entries(files)) {
    for (const knob of parseKnobs(source, file)) {
      const clash = out.find((k) => k.name === knob.name);
      if (clash)
        throw new InputError(
          `${file}:${knob.line}: knob ${knob.name} is also declared in ${clash.file}:${clash.line} (knob names must be unique across seed files)`,
        );
      out.push({ ...knob, file });
    }
  }
  return out;
}

/**
 * Applies an assignment across files; returns every file (unchanged ones as given). Throws InputError
 * for a knob that no file declares, or a value not in its list.
 */
export function applyKnobsToFiles(
  files: Readonly<Record<string, string>>,
  assignment: Readonly<Record<string, KnobValue>>,
): Record<string, string> {
  const knobs = findKnobs(files);
  const perFile = new Map<string, Record<string, KnobValue>>();
  for (const [name, value] of Object.entries(assignment)) {
    const knob = knobs.find((k) => k.name === name);
    if (!knob) {
      const known = knobs.map((k) => k.name).join(', ') || 'none';
      throw new InputError(`unknown knob "${name}" (knobs in the seed files: ${known})`);
    }
    perFile.set(knob.file, { ...perFile.get(knob.file), [name]: value });
  }
  const out: Record<string, string> = { ...files };
  for (const [file, part] of perFile) out[file] = applyKnobs(files[file]!, part, file);
  return out;
}
