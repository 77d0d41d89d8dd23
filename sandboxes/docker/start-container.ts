// Creates and starts one labelled session container, removing it again when the start fails.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { AdrsError } from '../../core/errors.js';
import { createOptions, MOUNT_ROOT, shapeKey, WORKSPACE, type ContainerShape } from './container-shape.js';
import { hostVolumes, type HostVolumes } from './host-volumes.js';
import { AGENT_DIR, agentReady, type AgentSocket } from './agent-socket.js';
import { containerLabels } from './labels.js';

export interface StartedContainer {
  container: Docker.Container;
  sessionId: string;
  name: string;
  /** Its volumes' host folders, when this process can reach them (a local engine): files move there, not through the API. */
  host?: HostVolumes;
  /** The exec agent's socket on the host once it listens; undefined: commands go through `docker exec`. */
  agent?: Promise<AgentSocket | undefined>;
}

function startError(error: unknown, shape: ContainerShape): AdrsError {
  const message = (error as Error).message ?? String(error);
  if (shape.gpus && /device driver|nvidia|gpu/i.test(message))
    return new AdrsError(
      'sandbox-gpu',
      `--gpus ${shape.gpus}: the Docker engine cannot hand out GPUs (${message.split('\n')[0]}); install the NVIDIA Container Toolkit on the host or drop --gpus`,
      { cause: error },
    );
  return new AdrsError('sandbox-start', `sandbox container did not start: ${message.split('\n')[0]}`, {
    cause: error,
  });
}

/** A fresh, running container of the given shape; never one that served another session. */
export async function startContainer(
  docker: Docker,
  shape: ContainerShape,
  labels: Record<string, string> = {},
  pooled = false,
): Promise<StartedContainer> {
  const sessionId = randomBytes(6).toString('hex');
  const name = `adrs-${sessionId}`;
  let container: Docker.Container;
  try {
    container = await docker.createContainer(
      createOptions(shape, name, containerLabels(sessionId, shapeKey(shape), labels, pooled)),
    );
  } catch (error) {
    throw startError(error, shape);
  }
  try {
    await container.start();
  } catch (error) {
    await removeContainer(container);
    throw startError(error, shape);
  }
  const host = await hostVolumes(container, WORKSPACE, MOUNT_ROOT, shape.agent ? AGENT_DIR : undefined);
  // Awaited by the first command, so the agent's start overlaps the session's copying in.
  const agent = host?.agent ? agentReady(host.agent).catch(() => undefined) : undefined;
  return { container, sessionId, name, ...(host ? { host } : {}), ...(agent ? { agent } : {}) };
}

/** Removes a container and its volumes; a second try covers "removal already in progress". Leftovers are `adrs gc`'s. */
export async function removeContainer(container: Docker.Container): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await container.remove({ force: true, v: true });
      return;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
