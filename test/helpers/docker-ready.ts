// Whether the Docker suites can run here: an engine that answers and the image built; else why, with the fix.
import Docker from 'dockerode';
import { engineReachable } from '../../sandboxes/docker/engine.js';

export interface DockerReady {
  docker: Docker;
  ready: boolean;
  /** Why not (empty when ready), naming the command that fixes it. */
  why: string;
}

export async function dockerReady(image = 'adrs-base:latest'): Promise<DockerReady> {
  const docker = new Docker();
  if (!(await engineReachable(docker)))
    return {
      docker,
      ready: false,
      why: `no Docker engine answers at ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'} (start it: bash .ci/docker.sh)`,
    };
  const built = await docker
    .getImage(image)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  return built
    ? { docker, ready: true, why: '' }
    : {
        docker,
        ready: false,
        why: `image ${image} is missing (build it: node bin/adrs.js images build ${image.split(':')[0]})`,
      };
}

/** Prints the loud skip line for `suite` when not ready (CI=true fails the suite's cases instead). */
export function warnDockerSkip(suite: string, state: DockerReady): void {
  if (!state.ready) console.warn(`\n*** ${suite}: SKIPPED: ${state.why} ***\n`);
}
