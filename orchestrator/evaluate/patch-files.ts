// A unified diff (any number of files) applied to a problem's seed tree: the candidate files it yields (`adrs eval --patch`).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { InputError } from '../../core/errors.js';

const GIT_ENV = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/**
 * The files a patch changes or adds, as they read with the patch applied to seedDir (which stays untouched).
 * `flag` names the option in errors. A patch that deletes or renames a file is refused: a candidate is a set of
 * file contents laid over the seed, which cannot say "this file is gone".
 */
export async function filesFromPatch(
  patchFile: string,
  seedDir: string,
  flag = '--patch',
): Promise<Record<string, string>> {
  if (!existsSync(patchFile)) throw new InputError(`${flag} ${patchFile}: no such file`);
  const scratch = mkdtempSync(path.join(tmpdir(), 'adrs-patch-'));
  // Outside any repository, so git apply works on plain files as `patch -p1` would.
  const env = { ...GIT_ENV, GIT_CEILING_DIRECTORIES: path.dirname(scratch) };
  try {
    const summary = await execa('git', ['apply', '--numstat', '--summary', patchFile], {
      cwd: scratch,
      env,
      reject: false,
    });
    if (summary.exitCode !== 0)
      throw new InputError(
        `${flag} ${patchFile}: not a unified diff git can read (${firstLine(String(summary.stderr))}); make it with git diff or diff -u, paths prefixed a/ and b/`,
      );
    const lines = String(summary.stdout).split('\n');
    const gone = lines.find((l) => /^\s*(delete mode|rename|copy)\b/.test(l));
    if (gone)
      throw new InputError(
        `${flag} ${patchFile}: ${gone.trim()}: a patch may change and add files, not delete or rename them`,
      );
    const paths = lines
      .map((l) => /^(\d+|-)\t(\d+|-)\t(.+)$/.exec(l)?.[3])
      .filter((p): p is string => p !== undefined);
    if (paths.length === 0) throw new InputError(`${flag} ${patchFile}: changes no file`);
    for (const rel of paths) {
      const target = path.resolve(scratch, rel);
      if (!target.startsWith(scratch + path.sep))
        throw new InputError(`${flag} ${patchFile}: path "${rel}" leaves the problem's tree`);
      const from = path.join(seedDir, rel);
      if (existsSync(from)) {
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(from, target);
      }
    }
    const applied = await execa('git', ['apply', '--whitespace=nowarn', patchFile], {
      cwd: scratch,
      env,
      reject: false,
    });
    if (applied.exitCode !== 0)
      throw new InputError(
        `${flag} ${patchFile}: does not apply to the seed (${firstLine(String(applied.stderr))}); make it against the problem's seed files`,
      );
    return Object.fromEntries(paths.map((rel) => [rel, readFileSync(path.join(scratch, rel), 'utf8')]));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? 'no detail').trim().slice(0, 200);
}
