// Stochastic prompt variants (AlphaEvolve samples among prompt phrasings): a few ways to steer the task, one drawn per
// proposal from the run's RNG when `promptVariants` is on, so the same parent does not always get the same ask.

/** Extra guidance per variant; variant 0 is the plain task (what a run without variants sends). */
export const TASK_VARIANTS = [
  '',
  'Before editing, name to yourself the single most expensive operation in the evolvable region, then remove or shrink it.',
  'Consider a different algorithm or data layout, not only a micro-optimisation of the present one.',
  'Read the other programs and earlier attempts first: reuse an idea that raised the score, avoid one that failed.',
  'Prefer the smallest change with the largest expected effect; keep everything else as it is.',
] as const;

/** The guidance line of a variant (empty for 0, undefined or out of range). */
export function variantLine(variant: number | undefined): string {
  if (variant === undefined) return '';
  return TASK_VARIANTS[variant] ?? '';
}
