// Whether /usr/bin/python3 has the modules a suite needs; else one loud skip line naming the apt-get fix.
// A newcomer's machine has only the README's prerequisites (python3-numpy, gcc): the suites that need torch,
// sympy or pytest skip there and say so, and CI (CI=true, every module installed) fails them instead.
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** Debian's package for a module where it is not python3-<module>. */
const DEBIAN_PACKAGE: Record<string, string> = { xdist: 'python3-pytest-xdist' };

const debianPackage = (module: string): string => DEBIAN_PACKAGE[module] ?? `python3-${module}`;

/**
 * Why the suite cannot run here: the first of `modules` that `/usr/bin/python3` cannot import, with the
 * apt-get line that installs them all; undefined when every one imports.
 */
export function pythonLacks(modules: readonly string[]): string | undefined {
  for (const module of modules) {
    const probe = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
    if (probe.status === 0) continue;
    const error = (probe.stderr || probe.error?.message || '').trim().split('\n').pop();
    return `${PYTHON} cannot import ${module} (${error}); install it: apt-get install -y ${modules.map(debianPackage).join(' ')}`;
  }
  return undefined;
}

/**
 * Prints the loud skip line for `suite` when `why` is set and returns true (skip it). With CI=true it throws
 * instead, so the file fails: CI installs every module and a skip there would hide a broken setup.
 */
export function loudSkip(suite: string, why: string | undefined): boolean {
  if (!why) return false;
  const line = `*** ${suite}: SKIPPED: ${why} ***`;
  if (process.env.CI === 'true') throw new Error(`${line} CI=true: failing instead of skipping`);
  console.warn(`\n${line}\n`);
  return true;
}
