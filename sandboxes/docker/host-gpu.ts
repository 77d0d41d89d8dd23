// Asks the host's nvidia-smi (when present) which GPUs and driver the Docker sandbox can hand out.
import { execa } from 'execa';

export interface HostGpu {
  index: number;
  name: string;
  uuid: string;
  driver: string;
  memoryMb: number;
}

/** The host's GPUs, or undefined when nvidia-smi is missing or fails. */
export async function hostGpus(): Promise<HostGpu[] | undefined> {
  const res = await execa(
    'nvidia-smi',
    ['--query-gpu=index,name,uuid,driver_version,memory.total', '--format=csv,noheader,nounits'],
    { reject: false, timeout: 10_000 },
  ).catch(() => undefined);
  if (!res || res.exitCode !== 0) return undefined;
  return res.stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [index, name, uuid, driver, memory] = line.split(',').map((s) => s.trim());
      return {
        index: Number(index),
        name: name ?? '',
        uuid: uuid ?? '',
        driver: driver ?? '',
        memoryMb: Number(memory),
      };
    });
}
