// Turns a `--gpus` value (all, a count, or comma-separated ids/UUIDs) into Docker device requests.
import type Docker from 'dockerode';
import { InputError } from '../../core/errors.js';

/** `--gpus all|N|id,id` as `HostConfig.DeviceRequests`; undefined or "0"/"none" asks for no GPU. */
export function gpuDeviceRequests(gpus: string | undefined): Docker.DeviceRequest[] | undefined {
  const value = gpus?.trim();
  if (!value || value === '0' || value === 'none') return undefined;
  const base = { Driver: 'nvidia', Capabilities: [['gpu']] };
  if (value === 'all') return [{ ...base, Count: -1 }];
  if (/^\d+$/.test(value)) return [{ ...base, Count: Number(value) }];
  const ids = value.split(',').map((s) => s.trim());
  if (ids.some((id) => !/^[A-Za-z0-9:._-]+$/.test(id)))
    throw new InputError(
      `--gpus ${value}: not a GPU request; use all, a count (2), or comma-separated device ids or UUIDs (0,1)`,
    );
  return [{ ...base, DeviceIDs: ids }];
}
