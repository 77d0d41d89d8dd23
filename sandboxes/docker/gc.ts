// Finds and removes session containers a crashed or killed orchestrator left behind (by label).
import os from 'node:os';
import type Docker from 'dockerode';
import { LABEL } from './labels.js';

export interface LeftoverContainer {
  id: string;
  name: string;
  session: string;
  pid: number;
  host: string;
  created: string;
  state: string;
  /** Made on this host by a process that no longer exists. */
  orphan: boolean;
  /** Why it goes (or stays), for people. */
  reason: string;
  removed: boolean;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** All adrs containers on the engine, with whether their orchestrator is gone. */
export async function listSessionContainers(docker: Docker): Promise<LeftoverContainer[]> {
  const items = await docker.listContainers({ all: true, filters: { label: [LABEL.session] } });
  const here = os.hostname();
  return items.map((c) => {
    const labels = c.Labels ?? {};
    const pid = Number(labels[LABEL.pid]);
    const host = labels[LABEL.host] ?? '';
    const orphan = host === here && !processAlive(pid);
    return {
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      session: labels[LABEL.session] ?? '',
      pid,
      host,
      created: labels[LABEL.created] ?? '',
      state: c.State,
      orphan,
      reason: orphan
        ? `orchestrator pid ${pid} is gone`
        : host === here
          ? `orchestrator pid ${pid} is running`
          : `made on host ${host || '?'}`,
      removed: false,
    };
  });
}

/** Removes containers whose orchestrator process is gone (or all adrs containers with `all`). */
export async function collectGarbage(
  docker: Docker,
  options: { all?: boolean; dryRun?: boolean } = {},
): Promise<LeftoverContainer[]> {
  const found = await listSessionContainers(docker);
  const doomed = found.filter((c) => options.all || c.orphan);
  for (const c of doomed) {
    if (options.dryRun) continue;
    await docker
      .getContainer(c.id)
      .remove({ force: true, v: true })
      .then(() => (c.removed = true))
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode === 404) c.removed = true;
      });
  }
  if (!options.dryRun) await removeLeftoverVolumes(docker, options.all ?? false);
  return doomed;
}

/** Workspace volumes whose container is gone (removed without its volumes) and whose orchestrator is gone too. */
async function removeLeftoverVolumes(docker: Docker, all: boolean): Promise<void> {
  const listed = await docker
    .listVolumes({ filters: { label: [LABEL.session], dangling: ['true'] } })
    .catch(() => undefined);
  const here = os.hostname();
  for (const v of listed?.Volumes ?? []) {
    const labels = v.Labels ?? {};
    const orphan = labels[LABEL.host] === here && !processAlive(Number(labels[LABEL.pid]));
    if (all || orphan)
      await docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined);
  }
}
