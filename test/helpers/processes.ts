// Finds and kills processes by a marker in their argv or environment, read from /proc (no pgrep needed).
import { readdirSync, readFileSync } from 'node:fs';

/** Processes other than this one whose cmdline or environment contains `marker`. */
export function survivors(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    for (const file of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${name}/${file}`).includes(marker)) {
          found.push(Number(name));
          break;
        }
      } catch {
        // gone, or not ours to read (another user's environ)
      }
    }
  }
  return found;
}

/** The argv (spaces for NULs) of each survivor, for a readable failure message. */
export function describeSurvivors(marker: string): string[] {
  return survivors(marker).map((pid) => {
    try {
      return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`;
    } catch {
      return `${pid}: (gone)`;
    }
  });
}

export function killSurvivors(marker: string): void {
  for (const pid of survivors(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, or not ours
    }
  }
}
