// Keeps `size` started containers per shape ahead of need; each is handed out once and never returns.
import type Docker from 'dockerode';
import { AdrsError } from '../../core/errors.js';
import { shapeKey, type ContainerShape } from './container-shape.js';
import { startContainer, type StartedContainer } from './start-container.js';

export class WarmPool {
  private readonly queues = new Map<string, Promise<StartedContainer>[]>();
  private disposed = false;

  constructor(
    private readonly docker: Docker,
    private readonly size: number,
  ) {}

  /**
   * A started container for `shape`: a pooled one when ready, else a new one. Either way the pool
   * for this shape is topped up in the background. `labels` only reach containers made on demand.
   */
  async take(shape: ContainerShape, labels: Record<string, string> = {}): Promise<StartedContainer> {
    if (this.disposed) throw new AdrsError('sandbox-closed', 'docker sandbox: already disposed');
    if (this.size <= 0) return startContainer(this.docker, shape, labels);
    const queue = this.queue(shapeKey(shape));
    const next = queue.shift();
    this.fill(shape);
    if (next) {
      const started = await next.catch(() => undefined);
      if (started) return started;
    }
    // Empty pool, or a pooled start failed: start one now (its error, if any, is the one users see).
    return startContainer(this.docker, shape, labels);
  }

  /** Starts containers for `shape` until `size` are waiting. */
  fill(shape: ContainerShape): void {
    if (this.disposed || this.size <= 0) return;
    const queue = this.queue(shapeKey(shape));
    while (queue.length < this.size) {
      const pending = startContainer(this.docker, shape, {}, true);
      pending.catch(() => undefined);
      queue.push(pending);
    }
  }

  /** How many containers are waiting or starting, over all shapes. */
  get pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Removes every pooled container, including ones still starting. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.queues.values()].flat();
    this.queues.clear();
    await Promise.allSettled(
      all.map(async (pending) => {
        const started = await pending;
        await started.container.remove({ force: true });
      }),
    );
  }

  private queue(key: string): Promise<StartedContainer>[] {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = [];
      this.queues.set(key, queue);
    }
    return queue;
  }
}
