// One party's run of sessions (an arm of a verification): the sandbox's series where it has one, else the sandbox.
import type { Sandbox } from './types.js';

/** `sandbox.series()` where the sandbox has series, else the sandbox itself (whose dispose() must not be called). */
export function seriesOf(sandbox: Sandbox): { sandbox: Sandbox; release: () => Promise<void> } {
  const series = sandbox.series?.();
  return series
    ? { sandbox: series, release: () => series.dispose() }
    : { sandbox, release: () => Promise.resolve() };
}
