// Picks SEARCH/REPLACE diffs or full rewrites: rewrites for short evolvable code, or whatever the config says.
import { evolvableLineCount } from '../edits/markers.js';
import type { EditMode } from './edit-format.js';

export type ModeSetting = EditMode | 'auto';

/** Below this many evolvable lines (all files together), `auto` asks for a full rewrite. */
export const REWRITE_BELOW_LINES = 60;

export function chooseMode(setting: ModeSetting, files: Record<string, string>): EditMode {
  if (setting !== 'auto') return setting;
  const lines = Object.values(files).reduce((n, text) => n + evolvableLineCount(text), 0);
  return lines < REWRITE_BELOW_LINES ? 'rewrite' : 'diff';
}
