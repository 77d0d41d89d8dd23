// The CLI loads only the command it is asked for; what each kind of invocation still shows.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adrsVersion } from '../core/version.js';
import { cli as runAdrs } from './helpers/cli.js';

const cli = (args: string[]) => runAdrs(args, { env: {} });

const commands = readdirSync(path.join(import.meta.dirname, '..', 'orchestrator', 'cli', 'commands'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

describe('adrs start-up', () => {
  it('--version and -V print the version from package.json', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, out: `${adrsVersion()}\n`, err: '' });
    expect((await cli(['-V'])).out).toBe(`${adrsVersion()}\n`);
  });

  it('a named command gets its own help, options included', async () => {
    const { code, out } = await cli(['worker', '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/Usage: adrs worker \[options\]/);
    expect(out).toContain('--job <file>');
  });

  it('the overview help lists every command file, each registered under its file name', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    expect(commands.length).toBeGreaterThan(10);
    for (const name of commands) expect(out).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it('an unknown command is bad input with a suggestion (exit 2)', async () => {
    const { code, err } = await cli(['wroker', '--job', 'x']);
    expect(code).toBe(2);
    expect(err).toMatch(/unknown command 'wroker'/);
    expect(err).toMatch(/Did you mean worker\?/);
  });

  it('a missing required option of a lazily loaded command is still caught (exit 2)', async () => {
    const { code, err } = await cli(['worker']);
    expect(code).toBe(2);
    expect(err).toMatch(/required option '--job <file>'/);
  });
});
