// The follow-up message when an answer did not apply: which block failed and why, sent once in the same conversation.
import type { AnswerApplied } from '../edits/apply-answer.js';
import type { EditMode } from './edit-format.js';
import { renderFiles } from './sections.js';

/**
 * Asks the model to fix the failed blocks (or the refused rewrite) against the code as it stands now. When the
 * answer was cut off at the output limit (`cutOffAt` tokens), it says so first and asks for fewer, smaller blocks:
 * "malformed block" alone makes the model send the same long answer again.
 */
export function retryMessage(
  applied: AnswerApplied,
  mode: EditMode,
  language: string,
  opts: { cutOffAt?: number } = {},
): string {
  const lines: string[] = [];
  if (opts.cutOffAt !== undefined)
    lines.push(
      `Your answer was cut off at ${opts.cutOffAt} tokens, the output limit, so its end is missing.`,
      mode === 'rewrite'
        ? 'Answer again in fewer tokens: no explanation beyond the Summary line, and only the files you change.'
        : 'Answer again in fewer tokens: fewer, smaller SEARCH/REPLACE blocks (SEARCH only the few lines that change), and no explanation beyond the Summary line.',
      '',
    );
  if (applied.problem) {
    lines.push(`Your answer could not be used: ${applied.problem}.`);
    lines.push(
      mode === 'rewrite'
        ? 'Reply again in the format asked for: a `Summary:` line, then each changed file in full in a fenced code block with its path on the line before.'
        : 'Reply again in the format asked for: a `Summary:` line, then SEARCH/REPLACE blocks, each with its file path on the line before `<<<<<<< SEARCH`.',
    );
    return lines.join('\n');
  }
  const failed = applied.outcomes.filter((o) => !o.status.startsWith('applied'));
  const ok = applied.outcomes.length - failed.length;
  const what = applied.kind === 'rewrite' ? 'Rewrite of' : 'Block';
  lines.push(
    ok > 0
      ? `${ok} of your ${applied.outcomes.length} edits applied, but not all:`
      : 'Your edit could not be applied:',
  );
  for (const f of failed)
    lines.push(
      `- ${what} ${applied.kind === 'rewrite' ? f.file : `${f.index} (${f.file})`}: ${f.status} — ${f.detail ?? ''}`,
    );
  if (applied.kind === 'rewrite') {
    lines.push(
      '',
      'Send the whole file again, keeping every line outside the EVOLVE-BLOCK markers exactly as it is.',
    );
    return lines.join('\n');
  }
  if (ok > 0 && applied.changed.length > 0) {
    const touched = Object.fromEntries(
      applied.changed.filter((f) => failed.some((x) => x.file === f)).map((f) => [f, applied.files[f]!]),
    );
    lines.push(
      '',
      'The applied blocks are kept. Reply with corrected SEARCH/REPLACE blocks for the failed ones only, written against the code as it is now.',
    );
    if (Object.keys(touched).length > 0)
      lines.push('The code now reads:', '', renderFiles(touched, language));
  } else {
    lines.push(
      '',
      'The code is unchanged. Reply with corrected SEARCH/REPLACE blocks; SEARCH must copy the current code exactly.',
    );
  }
  return lines.join('\n');
}
