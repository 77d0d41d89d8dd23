// Checks a workspace-relative path given to writeFile/readFile: no absolute paths, no `..`, no NUL.
import { InputError } from '../../core/errors.js';

/** The path normalised to `a/b/c`; throws InputError for anything that could name a place outside the workspace. */
export function checkRelPath(relPath: string): string {
  if (relPath.includes('\0')) throw new InputError(`sandbox path ${JSON.stringify(relPath)}: contains NUL`);
  if (relPath.startsWith('/'))
    throw new InputError(`sandbox path ${relPath}: absolute; pass a path relative to the workspace`);
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new InputError(`sandbox path ${JSON.stringify(relPath)}: names no file`);
  if (parts.includes('..'))
    throw new InputError(`sandbox path ${relPath}: contains "..", which could leave the workspace`);
  return parts.join('/');
}
