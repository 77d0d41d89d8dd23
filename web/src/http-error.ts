// Maps every error to an HTTP response in one place: JSON under /api, a short HTML page elsewhere.
import type { ErrorRequestHandler, Request, Response } from 'express';
import { AdrsError, coerceError } from '../../core/errors.js';
import { html } from './html.js';
import { page } from './pages/layout.js';

/** An error that already knows its HTTP status (401, 405, 501, ...). */
export class HttpError extends AdrsError {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.name = 'HttpError';
    this.status = status;
  }
}

const STATUS_BY_CODE: Record<string, number> = { input: 400, 'not-found': 404 };

/** The status and one-line message a client sees for an error (internal details stay in the log). */
export function describeError(error: unknown): { status: number; code: string; message: string } {
  const e = error instanceof HttpError ? error : coerceError(error);
  const status =
    e instanceof HttpError ? e.status : (STATUS_BY_CODE[e.code] ?? bodyParserStatus(error) ?? 500);
  const message =
    status >= 500 && !(e instanceof HttpError) ? 'internal error (see the server log)' : e.message;
  return { status, code: e.code, message };
}

function bodyParserStatus(error: unknown): number | undefined {
  const s = (error as { status?: unknown } | null)?.status;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : undefined;
}

export function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path === '/api';
}

export function sendError(req: Request, res: Response, error: unknown): void {
  const { status, code, message } = describeError(error);
  if (status >= 500 && !(error instanceof HttpError)) console.error('adrs web:', error);
  if (status === 405) res.setHeader('Allow', 'GET, HEAD');
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="adrs"');
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(status);
  if (wantsJson(req)) {
    res.json({ error: { code, message } });
    return;
  }
  res.type('html').send(
    page({
      title: `${status}`,
      body: html`<h1>${status}</h1>
        <p class="error">${message}</p>`,
    }).value,
  );
}

export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => sendError(req, res, error);
