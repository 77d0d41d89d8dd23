// Meta-recommendations (ShinkaEvolve's meta memory): the prompt asking a model to sum up what worked and what failed
// in the run so far, the parser of its answer, and the section later proposal prompts show.
import type { AttemptView } from '../proposers/types.js';

export const META_SYSTEM =
  'You review an automated program-optimisation run. From the attempts listed, write short, concrete lessons ' +
  'for the next proposals: which kinds of change raised the score, which broke the program or did not matter. ' +
  'Answer only with a bulleted list, one lesson per line starting with "- ", no preamble.';

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : Number(x.toPrecision(4)).toString());

/** The user message: the problem, the attempts since the last summary (and a few before), the current list. */
export function metaUserPrompt(opts: {
  problemName: string;
  primary: string;
  attempts: readonly AttemptView[];
  previous: readonly string[];
  maxItems: number;
}): string {
  const lines = opts.attempts
    .filter((a) => !a.infrastructure)
    .map((a) => {
      const score = a.score === null ? '' : `, score ${fmt(a.score)}`;
      const delta = a.delta === null ? '' : ` (${a.delta >= 0 ? '+' : ''}${fmt(a.delta)} vs its parent)`;
      return `- ${a.summary.replace(/\s+/g, ' ').slice(0, 240)} → ${a.status}${score}${delta}`;
    });
  return [
    `Problem: ${opts.problemName}; the primary metric "${opts.primary}" ranks candidates.`,
    '',
    '## Attempts (oldest first)',
    lines.length > 0 ? lines.join('\n') : '(none)',
    '',
    ...(opts.previous.length > 0
      ? [
          '## Your previous lessons (keep those still true, drop or correct the rest)',
          ...opts.previous.map((p) => `- ${p}`),
          '',
        ]
      : []),
    `Write at most ${opts.maxItems} lessons.`,
  ].join('\n');
}

/** The lessons in an answer: its bulleted or numbered lines, cleaned, at most `maxItems`, each at most 240 characters. */
export function parseRecommendations(answer: string, maxItems: number): string[] {
  const out: string[] = [];
  for (const raw of answer.split('\n')) {
    const m = /^\s*(?:[-*•]|\d+[.)])\s+(.+)$/.exec(raw);
    const text = m?.[1]?.replace(/\s+/g, ' ').trim();
    if (!text || out.includes(text)) continue;
    out.push(text.length > 240 ? `${text.slice(0, 239)}…` : text);
    if (out.length >= maxItems) break;
  }
  return out;
}

/** The section of a proposal prompt that carries the lessons (empty without any). */
export function renderRecommendations(items: readonly string[] | undefined): string {
  if (!items || items.length === 0) return '';
  return `Lessons from earlier generations of this run:\n${items.map((i) => `- ${i}`).join('\n')}`;
}
