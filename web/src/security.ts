// Response headers every reply carries (a strict Content-Security-Policy among them) and the read-only method guard.
import type { RequestHandler } from 'express';
import { HttpError } from './http-error.js';

/** Scripts and styles only from this origin; no inline code, no frames, no plugins, no outside connections. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
};

/** The whole app is read-only: anything but GET and HEAD is 405. */
export const readOnly: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  next(
    new HttpError(
      405,
      'method-not-allowed',
      `${req.method} is not allowed: this server is read-only (use GET)`,
    ),
  );
};
