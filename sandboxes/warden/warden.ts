// The trust-domain warden shared by both sandboxes: who the trusted evaluator and the candidate run as, and its argv.
import { readFileSync } from 'node:fs';
import { assetPath } from '../../core/paths.js';

/** uid:gid of the trusted evaluator inside a sandbox (no passwd entry needed). */
export const TRUSTED_ID = { uid: 65533, gid: 65533 } as const;

let source: string | undefined;

/** The warden's Python source, passed with `python3 -c` so it runs even where the package's folder is hidden. */
export function wardenSource(): string {
  source ??= readFileSync(assetPath('sandboxes', 'warden', 'adrs_warden.py'), 'utf8');
  return source;
}

export interface WardenIds {
  uid: number;
  gid: number;
  /** RLIMIT_NPROC for that uid (it counts every task of the uid, so: what it runs already plus the budget). */
  nproc: number;
}

/** `python3 -I -c <warden> --trusted ... --candidate ... -- command`; the warden must start as root. */
export function wardenArgv(
  python: string,
  trusted: WardenIds,
  candidate: WardenIds,
  command: string[],
): string[] {
  const ids = (w: WardenIds): string => `${w.uid}:${w.gid}:${w.nproc}`;
  return [
    python,
    '-I',
    '-S',
    '-c',
    wardenSource(),
    '--trusted',
    ids(trusted),
    '--candidate',
    ids(candidate),
    '--',
    ...command,
  ];
}
