// Token check for servers reachable beyond loopback: a Bearer header, or ?token= once which sets a cookie.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpError } from './http-error.js';

export const COOKIE = 'adrs_token';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison of a presented token against the expected one. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  return presented !== undefined && timingSafeEqual(digest(presented), digest(expected));
}

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function bearer(req: Request): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1]?.trim();
}

/** The URL without its token parameter, for the redirect that takes the token out of the address bar. */
function withoutToken(req: Request): string {
  const url = new URL(req.originalUrl, 'http://x');
  url.searchParams.delete('token');
  return url.pathname + url.search;
}

export function requireToken(token: string): RequestHandler {
  return (req, res, next) => {
    if (tokenMatches(bearer(req), token) || tokenMatches(cookieValue(req, COOKIE), token)) return next();
    const q = req.query.token;
    if (typeof q === 'string' && tokenMatches(q, token)) {
      const secure = req.secure || req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
      res.setHeader(
        'Set-Cookie',
        `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${secure}`,
      );
      res.redirect(303, withoutToken(req));
      return;
    }
    next(
      new HttpError(
        401,
        'unauthorized',
        'this server needs its token: send "Authorization: Bearer <token>" or open the page once with ?token=<token>',
      ),
    );
  };
}
