// Decides once per process which isolation the local sandbox can apply here: namespaces, user switch, limits.
import os from 'node:os';
import { execa } from 'execa';
import { AdrsError } from '../../core/errors.js';
import { findTool } from './host-tools.js';

/** Who candidates run as when we are root: each session its own uid (session-uid.ts). */
export const SESSION_USER = 'a uid per session';

export interface Isolation {
  /** We run as root: candidates are switched to their session's uid with setpriv. */
  root: boolean;
  /** `unshare` argv prefix giving a network + PID namespace, or undefined when not permitted here. */
  unshare: string[] | undefined;
  /**
   * Mounting is allowed inside the namespace: each exec gets private tmpfs mounts over /tmp, /var/tmp and
   * /dev/shm, with only its own session folder visible (no cache or peek across sessions).
   */
  privateTmp: boolean;
  /** The `setpriv` tool that switches to a session's uid (root only; see setprivArgv). */
  setpriv: string | undefined;
  prlimit: string;
  /** python3 for the trust-domain warden (root only); undefined: evaluator and candidate share the sandbox uid. */
  python: string | undefined;
  /** uid whose processes count against RLIMIT_NPROC when sessions have no uid of their own (not root). */
  uid: number;
  /** Who candidates run as, for describe(). */
  user: string;
  /** One line per isolation that could not be applied. */
  warnings: string[];
}

export const NO_NAMESPACE_WARNING =
  'no network/PID namespace (unshare not permitted here): candidates can reach the network, and a daemon that drops the session marker can outlive its exec';

let cached: Promise<Isolation> | undefined;

/** The argv prefix that drops to `id` for good: no groups, no new privileges. */
export function setprivArgv(tool: string, id: { uid: number; gid: number }): string[] {
  return [tool, `--reuid=${id.uid}`, `--regid=${id.gid}`, '--clear-groups', '--no-new-privs', '--'];
}

/** Probes once and caches the answer for the life of the process. */
export function probeIsolation(): Promise<Isolation> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<Isolation> {
  const prlimit = findTool('prlimit');
  if (!prlimit) throw new AdrsError('sandbox-setup', 'local sandbox: prlimit not found; install util-linux');
  const root = process.getuid?.() === 0;
  const warnings: string[] = [];
  let setpriv: string | undefined;
  const uid = process.getuid?.() ?? -1;
  let user = os.userInfo().username;
  if (root) {
    const tool = findTool('setpriv');
    if (!tool)
      throw new AdrsError(
        'sandbox-setup',
        'local sandbox: setpriv not found; install util-linux (candidates must not run as root)',
      );
    setpriv = tool;
    user = SESSION_USER;
  } else {
    warnings.push(
      `not running as root: candidates run as ${user}, can read what ${user} can read and could make the read-only folders writable again`,
    );
  }
  const unshare = await probeUnshare(root);
  if (!unshare) warnings.push(NO_NAMESPACE_WARNING);
  const privateTmp = unshare !== undefined && root && (await probePrivateTmp(unshare));
  if (unshare && !privateTmp)
    warnings.push(
      'no private /tmp (mounts not permitted in the namespace): sessions share /tmp, /var/tmp and /dev/shm',
    );
  const python = root ? findTool('python3') : undefined;
  if (root && !python)
    warnings.push(
      'python3 not found: no trust-domain warden; evaluators and candidates share the sandbox uid',
    );
  if (!root) warnings.push('not running as root: evaluators and candidates share one uid (no trust domains)');
  return { root, unshare, privateTmp, setpriv, prlimit, python, uid, user, warnings };
}

/** Whether a tmpfs can be mounted over /tmp inside the namespace (it stays private to it). */
async function probePrivateTmp(unshare: string[]): Promise<boolean> {
  const [file, ...args] = unshare as [string, ...string[]];
  const result = await execa(file, [...args, '/bin/sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /tmp'], {
    reject: false,
    timeout: 10_000,
    stdin: 'ignore',
    extendEnv: false,
    env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' },
  });
  return result.exitCode === 0;
}

/** Tries the unshare variants that fit this user; returns the first that runs /bin/true. */
async function probeUnshare(root: boolean): Promise<string[] | undefined> {
  const tool = findTool('unshare');
  const truePath = findTool('true');
  if (!tool || !truePath) return undefined;
  const common = ['--net', '--pid', '--fork', '--kill-child', '--mount-proc'];
  const variants = root
    ? [[tool, ...common]]
    : [
        [tool, '--map-current-user', ...common],
        [tool, '--map-root-user', ...common],
      ];
  for (const argv of variants) {
    const [file, ...args] = argv as [string, ...string[]];
    const result = await execa(file, [...args, truePath], {
      reject: false,
      timeout: 10_000,
      stdin: 'ignore',
      extendEnv: false,
      env: { PATH: '/usr/bin:/bin' },
    });
    if (result.exitCode === 0) return argv;
  }
  return undefined;
}
