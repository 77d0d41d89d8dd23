// Labels on every container adrs creates, so `adrs gc` can find what a crashed orchestrator left behind.
import os from 'node:os';

export const LABEL = {
  session: 'adrs.session',
  pid: 'adrs.pid',
  host: 'adrs.host',
  created: 'adrs.created',
  pool: 'adrs.pool',
  shape: 'adrs.shape',
} as const;

/** The bookkeeping labels of a new container; `extra` (from the session spec) cannot override them. */
export function containerLabels(
  sessionId: string,
  shapeKey: string,
  extra: Record<string, string> = {},
  pooled = false,
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra)) labels[`adrs.user.${name}`] = value;
  return {
    ...labels,
    [LABEL.session]: sessionId,
    [LABEL.pid]: String(process.pid),
    [LABEL.host]: os.hostname(),
    [LABEL.created]: new Date().toISOString(),
    [LABEL.shape]: shapeKey,
    ...(pooled ? { [LABEL.pool]: 'true' } : {}),
  };
}
