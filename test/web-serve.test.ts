// `adrs serve`, run in-process: flag checks (a token beyond loopback), and a real server on a free port.
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeContext } from '../orchestrator/cli/context.js';
import { checkServeOptions, register } from '../orchestrator/cli/commands/serve.js';
import { seedDb, type SeededDb } from './helpers/seed-db.js';

let db: SeededDb;
beforeEach(() => {
  db = seedDb();
  db.store.close();
});
afterEach(() => db.cleanup());

function program(signal?: AbortSignal): { cmd: Command; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const ctx = makeContext({
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    env: {},
    cwd: db.dir,
    signal,
  });
  const cmd = new Command('adrs').exitOverride();
  register(cmd, ctx);
  return { cmd, out, err };
}

describe('adrs serve flags', () => {
  it('refuses a non-loopback host without a token, naming the flag', () => {
    expect(() => checkServeOptions({ port: '8470', host: '0.0.0.0' }, {})).toThrow(/--token/);
    const e = (() => {
      try {
        checkServeOptions({ port: '8470', host: '0.0.0.0' }, {});
      } catch (error) {
        return error as Error;
      }
    })();
    expect(e?.message.split('\n')).toHaveLength(1);
    expect(e?.name).toBe('InputError');
  });

  it('accepts a non-loopback host with --token or ADRS_TOKEN, and loopback without', () => {
    expect(checkServeOptions({ port: '1', host: '0.0.0.0', token: 'a-long-enough-token' }, {}).token).toBe(
      'a-long-enough-token',
    );
    expect(
      checkServeOptions({ port: '1', host: '0.0.0.0' }, { ADRS_TOKEN: 'from-the-environment' }).token,
    ).toBe('from-the-environment');
    expect(checkServeOptions({ port: '8470', host: '127.0.0.1' }, {})).toEqual({
      port: 8470,
      host: '127.0.0.1',
      token: undefined,
    });
  });

  it('refuses a bad port and a short token', () => {
    expect(() => checkServeOptions({ port: 'http', host: '127.0.0.1' }, {})).toThrow(/--port "http"/);
    expect(() => checkServeOptions({ port: '70000', host: '127.0.0.1' }, {})).toThrow(/--port/);
    expect(() => checkServeOptions({ port: '1', host: '127.0.0.1', token: 'short' }, {})).toThrow(
      /--token: use at least/,
    );
  });

  it('fails before opening the database when the token is missing', async () => {
    const { cmd } = program();
    await expect(
      cmd.parseAsync(['serve', '--host', '0.0.0.0', '--port', '0', '--db', db.dbPath], { from: 'user' }),
    ).rejects.toThrow(/--host 0\.0\.0\.0 .*--token/);
  });
});

describe('adrs serve', () => {
  it('serves the store read-only on the given port until aborted, enforcing its token', async () => {
    const ctrl = new AbortController();
    const { cmd, out, err } = program(ctrl.signal);
    const done = cmd.parseAsync(
      ['serve', '--port', '0', '--db', db.dbPath, '--token', 'tok-0123456789abc', '--json'],
      { from: 'user' },
    );
    while (out.length === 0) await new Promise((r) => setTimeout(r, 20));
    const { url, token } = JSON.parse(out.join('')) as { url: string; token: boolean };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(token).toBe(true);
    expect(out.join('')).not.toContain('tok-0123456789abc');
    expect(err.join('')).toContain('read-only');
    expect((await fetch(`${url}api/leaderboard`)).status).toBe(401);
    const ok = await fetch(`${url}api/leaderboard`, {
      headers: { authorization: 'Bearer tok-0123456789abc' },
    });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { problems: { name: string }[] };
    expect(body.problems.map((p) => p.name)).toEqual(['eplb', 'matmul-cpu']);
    const post = await fetch(`${url}api/leaderboard`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-0123456789abc' },
    });
    expect(post.status).toBe(405);
    ctrl.abort();
    await done;
    await expect(fetch(`${url}api/leaderboard`)).rejects.toThrow();
  });
});
