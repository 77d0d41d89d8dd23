// Git plumbing for instance workspaces: a deterministic repository from plain files, and a checkout at base_commit.
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { AdrsError, InputError } from '../../../core/errors.js';

/** Fixed identity and dates, so the same files always give the same commit hash. */
const FIXED_ENV = {
  GIT_AUTHOR_NAME: 'adrs fixtures',
  GIT_AUTHOR_EMAIL: 'fixtures@adrs.invalid',
  GIT_COMMITTER_NAME: 'adrs fixtures',
  GIT_COMMITTER_EMAIL: 'fixtures@adrs.invalid',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00+0000',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00+0000',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export async function git(cwd: string, args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd, env: FIXED_ENV, reject: false });
  if (r.exitCode !== 0)
    throw new AdrsError(
      'git',
      `git ${args.join(' ')} (in ${cwd}) failed: ${String(r.stderr).trim().slice(0, 300)}`,
    );
  return String(r.stdout);
}

function normaliseModes(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      chmodSync(p, 0o755);
      normaliseModes(p);
    } else chmodSync(p, 0o644);
  }
}

/** Builds a one-commit repository from a folder of plain files; returns the commit hash (deterministic). */
export async function buildRepoFromFiles(srcDir: string, destDir: string, message = 'base'): Promise<string> {
  if (existsSync(destDir)) rmSync(destDir, { recursive: true, force: true });
  mkdirSync(destDir, { recursive: true });
  cpSync(srcDir, destDir, {
    recursive: true,
    filter: (p) => !/(^|\/)(__pycache__|\.pytest_cache|\.git)$/.test(p),
  });
  normaliseModes(destDir);
  await git(destDir, ['init', '-q', '-b', 'main']);
  await git(destDir, ['add', '-A']);
  await git(destDir, ['-c', 'commit.gpgsign=false', 'commit', '-q', '--no-verify', '-m', message]);
  return (await git(destDir, ['rev-parse', 'HEAD'])).trim();
}

/**
 * A clone of `source` checked out at `commit`, with the remote, tags and reflog removed (as the benchmark's images
 * are made), so nothing after base_commit is reachable from the workspace.
 */
export async function checkoutAt(source: string, commit: string, destDir: string): Promise<void> {
  if (existsSync(destDir)) rmSync(destDir, { recursive: true, force: true });
  mkdirSync(path.dirname(destDir), { recursive: true });
  await git(path.dirname(destDir), ['clone', '-q', '--no-hardlinks', '--no-checkout', source, destDir]);
  try {
    await git(destDir, ['checkout', '-q', '-B', 'main', commit]);
  } catch {
    throw new InputError(`repository ${source} has no commit ${commit} (the instance's base_commit)`);
  }
  await git(destDir, ['remote', 'remove', 'origin']).catch(() => '');
  const tags = (await git(destDir, ['tag', '-l'])).split('\n').filter(Boolean);
  if (tags.length) await git(destDir, ['tag', '-d', ...tags]);
  for (const b of (await git(destDir, ['branch', '--format=%(refname:short)'])).split('\n').filter(Boolean))
    if (b !== 'main') await git(destDir, ['branch', '-D', b]);
  await git(destDir, ['reflog', 'expire', '--expire=now', '--all']);
  await git(destDir, ['gc', '-q', '--prune=now']);
}

/** Files tracked at HEAD. */
export async function trackedFiles(repoDir: string): Promise<string[]> {
  return (await git(repoDir, ['ls-files'])).split('\n').filter(Boolean);
}
