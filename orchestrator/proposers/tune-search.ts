// Search moves of the offline tuner over knob assignments: neighbours by distance, random restarts, keys.
import type { FileKnob } from '../knobs/files.js';
import type { KnobValue } from '../knobs/parse.js';

export type Assignment = Record<string, KnobValue>;

/** A canonical key of an assignment (sorted names), so "tried" survives JSON. */
export function assignmentKey(a: Assignment): string {
  return JSON.stringify(
    Object.keys(a)
      .sort()
      .map((k) => [k, a[k]]),
  );
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * One-knob moves from `current`, nearest values first (index distance 1 for every knob in random
 * order, then distance 2, ...): coordinate descent when the parent is the incumbent.
 */
export function neighbours(
  knobs: readonly FileKnob[],
  current: Assignment,
  random: () => number,
): Assignment[] {
  const order = shuffle([...knobs], random);
  const maxLen = Math.max(...knobs.map((k) => k.values.length));
  const out: Assignment[] = [];
  for (let dist = 1; dist < maxLen; dist++) {
    for (const knob of order) {
      const at = knob.values.findIndex((v) => v === current[knob.name]);
      const steps = shuffle([-dist, dist], random);
      for (const step of steps) {
        const v = knob.values[at + step];
        if (at >= 0 && v !== undefined) out.push({ ...current, [knob.name]: v });
      }
    }
  }
  return out;
}

/** A random assignment that `accept`s, or undefined once the space seems exhausted (enumerates small spaces). */
export function randomAssignment(
  knobs: readonly FileKnob[],
  random: () => number,
  accept: (a: Assignment) => boolean,
): Assignment | undefined {
  for (let i = 0; i < 200; i++) {
    const a: Assignment = {};
    for (const k of knobs) a[k.name] = k.values[Math.floor(random() * k.values.length)]!;
    if (accept(a)) return a;
  }
  const size = knobs.reduce((n, k) => n * k.values.length, 1);
  if (size > 200_000) return undefined;
  let all: Assignment[] = [{}];
  for (const k of knobs) all = all.flatMap((a) => k.values.map((v) => ({ ...a, [k.name]: v })));
  const open = all.filter(accept);
  return open.length ? open[Math.floor(random() * open.length)] : undefined;
}

/** "TILE_I 8->16, UNROLL 1->4" */
export function describeChange(from: Assignment, to: Assignment): string {
  const parts = Object.keys(to)
    .filter((k) => to[k] !== from[k])
    .map((k) => `${k} ${String(from[k])}->${String(to[k])}`);
  return parts.length ? `knobs: ${parts.join(', ')}` : 'knobs: unchanged';
}
