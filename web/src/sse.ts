// Server-sent events for a run: polls the store's events table and forwards new rows as they land.
import type Database from 'better-sqlite3';
import type { Request, Response } from 'express';
import { NotFoundError } from '../../core/errors.js';
import { parseJson } from './parse-json.js';
import { eventsSince, findRun } from './queries.js';

export interface SseOptions {
  pollMs: number;
  heartbeatMs?: number;
}

/** Where to start: the Last-Event-ID header (reconnects), then ?after=, then the beginning. */
function startAfter(req: Request): number {
  const raw = req.get('last-event-id') ?? (typeof req.query.after === 'string' ? req.query.after : undefined);
  const n = raw === undefined ? 0 : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

export function streamRunEvents(db: Database.Database, req: Request, res: Response, opts: SseOptions): void {
  const runId = String(req.params.id);
  if (!findRun(db, runId)) throw new NotFoundError(`run "${runId}" not found`);
  let last = startAfter(req);
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write('retry: 2000\n\n');
  const poll = (): void => {
    try {
      for (;;) {
        const rows = eventsSince(db, runId, last, 500);
        for (const e of rows) {
          const data = {
            id: e.id,
            type: e.type,
            runId: e.run_id,
            payload: parseJson(e.payload_json),
            createdAt: e.created_at,
          };
          res.write(`id: ${e.id}\ndata: ${JSON.stringify(data)}\n\n`);
          last = e.id;
        }
        if (rows.length < 500) break;
      }
    } catch (error) {
      res.write(`event: error\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
    }
  };
  poll();
  const timer = setInterval(poll, opts.pollMs);
  const heartbeat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs ?? 15_000);
  const stop = (): void => {
    clearInterval(timer);
    clearInterval(heartbeat);
  };
  req.on('close', stop);
  res.on('error', stop);
}
