// The answer-format instructions that go into the system message: SEARCH/REPLACE blocks or full-file rewrites.

export type EditMode = 'diff' | 'rewrite';

const SUMMARY =
  'Start your answer with one line `Summary: <what you changed and why>` (it is shown in later prompts).';

/** Instructions for the format the edit parser reads (orchestrator/edits). */
export function editFormatInstructions(mode: EditMode, files: readonly string[]): string {
  const example = files[0] ?? 'solution.py';
  const single =
    files.length === 1
      ? `There is one evolved file, \`${example}\`; the file-name line may be left out.`
      : `The evolved files are: ${files.map((f) => `\`${f}\``).join(', ')}.`;
  if (mode === 'rewrite')
    return [
      SUMMARY,
      'Then give the complete new content of each file you change, in one fenced code block per file, with the file path on the line before the fence:',
      '',
      example,
      '```',
      '<the whole file>',
      '```',
      '',
      '- Keep every line outside the EVOLVE-BLOCK-START / EVOLVE-BLOCK-END markers, and the marker lines themselves, exactly as they are; only the code between the markers may change.',
      `- ${single}`,
    ].join('\n');
  return [
    SUMMARY,
    'Then give one or more SEARCH/REPLACE blocks. Each block names its file on the line before it:',
    '',
    example,
    '<<<<<<< SEARCH',
    '<lines copied exactly from the current file>',
    '=======',
    '<the lines that replace them>',
    '>>>>>>> REPLACE',
    '',
    '- SEARCH must copy the current code exactly, indentation and comments included, with enough lines to be unique in the file.',
    '- Only change code between the EVOLVE-BLOCK-START and EVOLVE-BLOCK-END marker lines; never include, move or remove the marker lines.',
    '- Prefer several small blocks to one large one. Blocks apply in order, each to the result of the previous ones.',
    `- ${single}`,
  ].join('\n');
}
