// Content hash of a problem folder: sorted relative names and file bytes, so a verdict names exactly what it judged.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SKIP = new Set(['__pycache__', '.git', 'node_modules', '.pytest_cache']);

/** sha256 of a folder: sorted relative names and file bytes. */
export function hashTree(dir: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    for (const name of readdirSync(abs).sort()) {
      if (SKIP.has(name)) continue;
      const childRel = rel ? `${rel}/${name}` : name;
      const st = statSync(path.join(dir, childRel));
      if (st.isDirectory()) walk(childRel);
      else if (st.isFile()) {
        hash.update(childRel + '\0');
        hash.update(readFileSync(path.join(dir, childRel)));
        hash.update('\0');
      }
    }
  };
  walk('');
  return hash.digest('hex');
}
