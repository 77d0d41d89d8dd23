// `adrs serve`: the read-only web leaderboard and run pages over the store, on 127.0.0.1 unless given a token.
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { InputError } from '../../../core/errors.js';
import { createApp } from '../../../web/src/app.js';
import type { CliContext } from '../context.js';

export const DEFAULT_PORT = 8470;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const MIN_TOKEN = 12;

interface ServeOptions {
  port: string;
  host: string;
  token?: string;
  db?: string;
  json?: boolean;
}

/** Checks the flags: a port number, and a token whenever the host is reachable from other machines. */
export function checkServeOptions(
  opts: ServeOptions,
  env: NodeJS.ProcessEnv,
): { port: number; host: string; token?: string } {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InputError(`--port "${opts.port}": use a port number from 0 to 65535`);
  const token = opts.token ?? (env.ADRS_TOKEN || undefined);
  if (token !== undefined && token.length < MIN_TOKEN)
    throw new InputError(`--token: use at least ${MIN_TOKEN} characters (e.g. \`openssl rand -hex 16\`)`);
  if (!LOOPBACK.has(opts.host) && token === undefined)
    throw new InputError(
      `--host ${opts.host} is reachable from other machines: also pass --token <secret> (or set ADRS_TOKEN)`,
    );
  return { port, host: opts.host, token };
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve the web leaderboard, run and candidate pages (read-only) until interrupted')
    .option('--port <n>', 'port to listen on (0 picks a free one)', String(DEFAULT_PORT))
    .option('--host <address>', 'interface to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--token <secret>', 'require this token on every request (default: $ADRS_TOKEN)')
    .option('--db <file>', 'database file (default: $ADRS_DB or .adrs/adrs.db)')
    .option('--json', 'print the address as JSON')
    .action(async (opts: ServeOptions) => {
      const { port, host, token } = checkServeOptions(opts, ctx.env);
      const store = ctx.openStore(opts.db);
      store.db.pragma('query_only = ON');
      const server = createApp({ store, token }).listen(port, host);
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('listening', resolve);
          server.once('error', reject);
        });
      } catch (error) {
        store.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw new InputError(`--port ${port} is in use: choose another with --port`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
          throw new InputError(`--host ${host}: no such local address`);
        throw error;
      }
      const addr = server.address() as AddressInfo;
      const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      const url = `http://${shown}:${addr.port}/`;
      if (opts.json) ctx.print(JSON.stringify({ url, db: store.path, token: token !== undefined }));
      else ctx.print(url);
      ctx.warn(
        `adrs: serving ${store.path} read-only${token ? ' (token required: open the page once with ?token=<token>)' : ''}; Ctrl-C stops`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          server.close(() => resolve());
          server.closeAllConnections();
        };
        if (ctx.signal) {
          if (ctx.signal.aborted) stop();
          else ctx.signal.addEventListener('abort', stop, { once: true });
        } else {
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        }
      });
      store.close();
    });
}
