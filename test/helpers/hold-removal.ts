// Holds a Docker session container's background removal until released, so a check after close() sees what
// close() itself left running (with the exec agent the container outlives close(); its removal would kill anyway).
import type Docker from 'dockerode';

export function holdRemoval(container: Docker.Container): () => void {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const remove = container.remove.bind(container) as (options?: object) => Promise<unknown>;
  container.remove = (async (options?: object) => {
    await gate;
    return remove(options);
  }) as typeof container.remove;
  return release;
}
