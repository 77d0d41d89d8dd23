// Keeps `size` started containers per shape (and read-only folders) ahead of need; each is handed out once and never returns.
import type Docker from 'dockerode';
import { AdrsError } from '../../core/errors.js';
import { shapeKey, type ContainerShape } from './container-shape.js';
import { putTrustedDir } from './readonly-dirs.js';
import { removeContainer, startContainer, type StartedContainer } from './start-container.js';

/** Work done on a pooled container before it is handed out: copying in the session's read-only folders. */
export interface Preload {
  /** Identifies the contents; only containers preloaded with the same fingerprint are interchangeable. */
  fingerprint: string;
  load(started: StartedContainer): Promise<void>;
}

export interface PooledContainer extends StartedContainer {
  /** Fingerprint of the preload already done in it, if any. */
  preloaded?: string;
  /** Whether the trusted folder was made in it already (every pooled container gets one ahead of need). */
  trustedDir?: boolean;
}

export class WarmPool {
  private readonly queues = new Map<string, Promise<PooledContainer>[]>();
  private disposed = false;

  constructor(
    private readonly docker: Docker,
    private readonly size: number,
  ) {}

  /**
   * A started container for `shape`: a pooled one when ready, else a new one. Either way the pool
   * for this shape is topped up in the background. `labels` only reach containers made on demand.
   */
  async take(
    shape: ContainerShape,
    labels: Record<string, string> = {},
    preload?: Preload,
  ): Promise<PooledContainer> {
    if (this.disposed) throw new AdrsError('sandbox-closed', 'docker sandbox: already disposed');
    if (this.size <= 0) return startContainer(this.docker, shape, labels);
    const queue = this.queue(shape, preload);
    const next = queue.shift();
    this.fill(shape, preload);
    if (next) {
      const started = await next.catch(() => undefined);
      if (started) return started;
    }
    // Empty pool, or a pooled start failed: start one now (its error, if any, is the one users see).
    return startContainer(this.docker, shape, labels);
  }

  /** Starts (and preloads) containers for `shape` until `size` are waiting. */
  fill(shape: ContainerShape, preload?: Preload): void {
    if (this.disposed || this.size <= 0) return;
    const queue = this.queue(shape, preload);
    while (queue.length < this.size) {
      const pending = this.startOne(shape, preload);
      pending.catch(() => undefined);
      queue.push(pending);
    }
  }

  /** Waits until every container the pool is starting is ready (or failed): the pool's background work is done. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].flat());
  }

  /** Removes every pooled container, including ones still starting. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.queues.values()].flat();
    this.queues.clear();
    await Promise.allSettled(
      all.map(async (pending) => {
        const started = await pending;
        await removeContainer(started.container);
      }),
    );
  }

  private async startOne(shape: ContainerShape, preload?: Preload): Promise<PooledContainer> {
    const started = await startContainer(this.docker, shape, {}, true);
    try {
      await Promise.all([putTrustedDir(started), preload?.load(started)]);
      return { ...started, trustedDir: true, ...(preload ? { preloaded: preload.fingerprint } : {}) };
    } catch (error) {
      await removeContainer(started.container);
      throw error;
    }
  }

  private queue(shape: ContainerShape, preload?: Preload): Promise<PooledContainer>[] {
    const key = `${shapeKey(shape)}|${preload?.fingerprint ?? ''}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = [];
      this.queues.set(key, queue);
    }
    return queue;
  }
}
