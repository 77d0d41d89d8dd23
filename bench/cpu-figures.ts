// CPU figures for the Docker benchmarks: this process, its waited-for children, the engine's daemons, all containers.
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // USER_HZ on Linux

/** CPU seconds of this process's waited-for children (the CLI and everything it waited for). */
export function childCpuS(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICK; // cutime, cstime
}

/** CPU seconds of the Docker engine's processes now alive (dockerd, containerd, containerd-shim*). */
export function engineCpuS(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = /\(([^)]*)\)/.exec(stat)?.[1] ?? '';
      if (!/^(dockerd|containerd|containerd-shim.*)$/.test(name)) continue;
      const fields = stat.split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / TICK; // utime, stime
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** CPU seconds charged to every container so far (cgroup v1 cpuacct keeps removed children's usage in the parent). */
export function containersCpuS(): number | undefined {
  for (const file of [
    '/sys/fs/cgroup/cpuacct/docker/cpuacct.usage',
    '/sys/fs/cgroup/cpu,cpuacct/docker/cpuacct.usage',
  ])
    try {
      return Number(readFileSync(file, 'utf8')) / 1e9;
    } catch {
      // not this layout
    }
  return undefined;
}

/** CPU seconds of this process itself (user + system). */
export function selfCpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
