// Web security: token enforcement, read-only methods, CSP, escaping of LLM-written text, no path traversal.
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../web/src/app.js';
import { listen, seedDb, XSS, type SeededDb } from './helpers/seed-db.js';

let db: SeededDb;
const servers: { close(): Promise<void> }[] = [];

beforeEach(() => {
  db = seedDb();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  db.cleanup();
});

async function start(token?: string): Promise<string> {
  const s = await listen(createApp({ store: db.store, token }));
  servers.push(s);
  return s.url;
}

/** A raw request whose path is sent as written (fetch would normalise "..").  */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Names of the attributes of every tag the server wrote (text has its "<" escaped, so it holds no tags). */
function attributeNames(page: string): string[] {
  const names: string[] = [];
  for (const tag of page.matchAll(/<[a-zA-Z][\w-]*((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g))
    for (const a of (tag[1] ?? '').matchAll(/\s([^\s=>]+)(?:="[^"]*")?/g)) names.push(a[1]!.toLowerCase());
  return names;
}

describe('read-only', () => {
  it('answers 405 with Allow: GET, HEAD to every other method, on pages and API', async () => {
    const url = await start();
    for (const [method, path] of [
      ['POST', '/api/leaderboard'],
      ['PUT', `/api/runs/${db.runs.finished}`],
      ['DELETE', `/api/candidates/${db.candidates.best}`],
      ['PATCH', '/'],
      ['POST', '/static/app.js'],
    ] as const) {
      const res = await fetch(url + path, { method, body: method === 'DELETE' ? undefined : '{}' });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    }
    const api = await fetch(`${url}/api/leaderboard`, { method: 'POST' });
    expect((await api.json()).error.code).toBe('method-not-allowed');
  });

  it('answers HEAD like GET without a body', async () => {
    const url = await start();
    const res = await fetch(`${url}/api/leaderboard`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('token', () => {
  it('refuses requests without the token, with a 401 that says how to send it', async () => {
    const url = await start('s3cret-token-123');
    const res = await fetch(`${url}/api/leaderboard`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await res.json()).error.message).toMatch(/Authorization: Bearer/);
    expect((await fetch(`${url}/`)).status).toBe(401);
    expect((await fetch(`${url}/static/app.js`)).status).toBe(401);
    expect(
      (await fetch(`${url}/api/leaderboard`, { headers: { authorization: 'Bearer wrong-token-xxxx' } }))
        .status,
    ).toBe(401);
    expect((await fetch(`${url}/api/leaderboard?token=wrong`, { redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${url}/api/leaderboard`, { headers: { cookie: 'adrs_token=wrong' } })).status).toBe(
      401,
    );
  });

  it('accepts a Bearer header', async () => {
    const url = await start('s3cret-token-123');
    const res = await fetch(`${url}/api/leaderboard`, {
      headers: { authorization: 'Bearer s3cret-token-123' },
    });
    expect(res.status).toBe(200);
  });

  it('turns ?token= into an HttpOnly cookie and a redirect that drops the token from the address', async () => {
    const url = await start('s3cret-token-123');
    const res = await fetch(`${url}/runs/${db.runs.finished}?token=s3cret-token-123&x=1`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/runs/${db.runs.finished}?x=1`);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^adrs_token=s3cret-token-123;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const next = await fetch(url + res.headers.get('location'), {
      headers: { cookie: cookie.split(';')[0]! },
    });
    expect(next.status).toBe(200);
    expect(await next.text()).toContain(db.runs.finished);
  });
});

describe('headers', () => {
  it('sends a strict CSP on pages, API, static files and errors', async () => {
    const url = await start();
    for (const path of [
      '/',
      `/candidates/${db.candidates.best}`,
      '/api/leaderboard',
      '/static/style.css',
      '/nope',
      '/api/nope',
    ]) {
      const res = await fetch(url + path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves pages with no inline script and no inline style', async () => {
    const url = await start();
    for (const path of [
      '/',
      '/runs',
      `/runs/${db.runs.finished}`,
      `/runs/${db.runs.running}`,
      `/candidates/${db.candidates.xss}`,
      '/problems/matmul-cpu',
    ]) {
      const text = await (await fetch(url + path)).text();
      const scripts = text.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts, path).toEqual(['<script src="/static/app.js" defer>']);
      const attrs = attributeNames(text);
      expect(attrs.length, path).toBeGreaterThan(20);
      expect(
        attrs.filter((a) => a === 'style' || a.startsWith('on')),
        path,
      ).toEqual([]);
    }
  });
});

describe('escaping', () => {
  const escaped = '&lt;script&gt;window.pwned = 1&lt;/script&gt;';

  it('shows LLM-written text as text on the candidate page: files, names, logs, checks, transcript, verdict', async () => {
    const url = await start();
    const text = await (await fetch(`${url}/candidates/${db.candidates.xss}`)).text();
    expect(text).not.toContain('<script>window.pwned');
    expect(text).not.toContain('<img src=x');
    expect(text).toContain(escaped);
    // the diff, the model name, the stderr tail, a check name, the prompt, the response and the verdict reason
    expect(text.split(escaped).length - 1).toBeGreaterThanOrEqual(7);
  });

  it('escapes them on the leaderboard (filter menus and rows) and the run page', async () => {
    const url = await start();
    for (const path of ['/?per=candidate', `/runs/${db.runs.finished}`]) {
      const text = await (await fetch(url + path)).text();
      expect(text, path).not.toContain('<script>window.pwned');
      expect(text, path).not.toContain('<img src=x');
    }
    const board = await (await fetch(`${url}/?per=candidate`)).text();
    expect(board).toContain(`evil-model-${escaped}`);
  });

  it('returns the raw text in JSON, where it is data', async () => {
    const url = await start();
    const body = (await (await fetch(`${url}/api/candidates/${db.candidates.xss}`)).json()) as {
      candidate: { model: string };
    };
    expect(body.candidate.model).toBe(`evil-model-${XSS}`);
  });
});

describe('path traversal', () => {
  it('serves the bundled assets by name', async () => {
    const url = await start();
    const res = await fetch(`${url}/static/app.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/javascript/);
    expect(await res.text()).toContain('EventSource');
  });

  it('refuses every attempt to leave web/public', async () => {
    const url = await start();
    for (const path of [
      '/static/../../package.json',
      '/static/../package.json',
      '/static/..%2f..%2fpackage.json',
      '/static/%2e%2e%2f%2e%2e%2fpackage.json',
      '/static/%2e%2e/%2e%2e/package.json',
      '/static/%252e%252e%252fpackage.json',
      '/static/..%5c..%5cpackage.json',
      '/static/%2fetc%2fpasswd',
      '/static//etc/passwd',
      '/static/app.js/../../../package.json',
      '/static/..',
      '/static/.%00./package.json',
      '/candidates/..%2f..%2fpackage.json',
      '/problems/..%2f..%2fpackage.json',
    ]) {
      const res = await rawGet(url, path);
      expect([400, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain('"devDependencies"');
      expect(res.body, path).not.toContain('root:x:0');
    }
  });
});
