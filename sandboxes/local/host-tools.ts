// Finds the util-linux tools the local sandbox drives (unshare, setpriv, prlimit) by absolute path.
import { existsSync } from 'node:fs';
import path from 'node:path';

const TOOL_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/** Absolute path of a system tool, or undefined when none of the usual folders holds it. */
export function findTool(name: string): string | undefined {
  for (const dir of TOOL_DIRS) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
