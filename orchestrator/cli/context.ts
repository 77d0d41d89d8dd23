// What every CLI command gets: streams, environment and working directory, so tests can run the CLI in-process.
import { Store, resolveDbPath } from '../store/store.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT (the CLI entry point wires it). */
  signal?: AbortSignal;
}

export interface CliContext extends CliIo {
  /** Opens the store named by --db, ADRS_DB or the default. The caller closes it. */
  openStore(dbFlag?: string): Store;
  print(line?: string): void;
  warn(line: string): void;
}

export function makeContext(io: CliIo): CliContext {
  return {
    ...io,
    openStore: (dbFlag?: string) => Store.open(resolveDbPath(dbFlag, io.env, io.cwd)),
    print: (line = '') => io.stdout.write(line + '\n'),
    warn: (line: string) => io.stderr.write(line + '\n'),
  };
}
