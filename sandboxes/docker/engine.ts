// Connects to the Docker engine (DOCKER_HOST or the local socket) and turns "not reachable" into one clear line.
import Docker from 'dockerode';
import { AdrsError } from '../../core/errors.js';

/** A client for the engine named by DOCKER_HOST, or /var/run/docker.sock. */
export function connectDocker(): Docker {
  return new Docker();
}

/** Rejects when `promise` takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function where(): string {
  return process.env.DOCKER_HOST ?? '/var/run/docker.sock';
}

/** Throws a one-line AdrsError naming the socket and the fix when the engine does not answer. */
export async function pingEngine(docker: Docker): Promise<void> {
  try {
    await within(docker.ping(), 5_000);
  } catch (error) {
    throw new AdrsError(
      'sandbox-unavailable',
      `Docker engine not reachable at ${where()}: start dockerd (see .ci/docker.sh) or set DOCKER_HOST, or use --sandbox local`,
      { cause: error },
    );
  }
}

/** Whether an engine answers within a few seconds (tests use it to decide whether to skip). */
export async function engineReachable(docker: Docker = connectDocker()): Promise<boolean> {
  try {
    await within(docker.ping(), 3_000);
    return true;
  } catch {
    return false;
  }
}

/** Throws a one-line error naming the image and how to build it when it is missing. */
export async function requireImage(docker: Docker, image: string): Promise<Docker.ImageInspectInfo> {
  try {
    return await docker.getImage(image).inspect();
  } catch (error) {
    const name = image.split(':')[0] ?? image;
    throw new AdrsError(
      'sandbox-image',
      `Docker image ${image} not found: build it with \`adrs images build ${name}\` (adrs images list shows the recipes)`,
      { cause: error },
    );
  }
}
