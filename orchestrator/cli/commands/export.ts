// `adrs export <candidate>`: a patch bundle anyone can re-verify; `--run <id> --format swefficiency|openevolve` for other tools.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../../../core/errors.js';
import { adrsVersion } from '../../../core/version.js';
import { collectBundle } from '../../export/bundle-contents.js';
import { writeBundle } from '../../export/bundle-archive.js';
import { swefficiencyPrediction, writeOpenEvolveBest } from '../../export/formats.js';
import type { CliContext } from '../context.js';
import { resolveCandidateId, resolveRunId } from '../resolve.js';

interface ExportOptions {
  output?: string;
  run?: string[];
  format: 'bundle' | 'swefficiency' | 'openevolve';
  modelName?: string;
  db?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('export [candidate]')
    .description("write a patch bundle (.tar.gz) for a candidate, or a run's best in another tool's format")
    .option('-o, --output <file>', 'output file (bundle, JSONL) or folder (openevolve)')
    .option('--run <id...>', 'export the best of these runs (with --format swefficiency or openevolve)')
    .addOption(
      new Option('--format <format>', 'what to write')
        .choices(['bundle', 'swefficiency', 'openevolve'])
        .default('bundle'),
    )
    .option('--model-name <name>', 'model_name_or_path for SWE-fficiency predictions')
    .option('--db <file>', 'database file (default .adrs/adrs.db, or ADRS_DB)')
    .action(async (candidate: string | undefined, opts: ExportOptions) => {
      const store = ctx.openStore(opts.db);
      try {
        if (opts.format === 'bundle') {
          if (!candidate)
            throw new InputError(
              'adrs export: give a candidate id (see `adrs show <run>`), or --run with --format',
            );
          const id = resolveCandidateId(store, candidate);
          const out = path.resolve(ctx.cwd, opts.output ?? `${id}.tar.gz`);
          const entries = await writeBundle(collectBundle(store, id, adrsVersion()), out);
          ctx.print(out);
          ctx.warn(`wrote ${entries.length} files: ${entries.join(', ')}`);
          return;
        }
        if (!opts.run?.length)
          throw new InputError(`--format ${opts.format}: give the run(s) with --run <id>`);
        opts.run = opts.run.map((r) => resolveRunId(store, r));
        if (opts.format === 'swefficiency') {
          const lines =
            opts.run.map((id) => swefficiencyPrediction(store, id, opts.modelName)).join('\n') + '\n';
          if (opts.output) {
            writeFileSync(path.resolve(ctx.cwd, opts.output), lines);
            ctx.print(path.resolve(ctx.cwd, opts.output));
          } else ctx.stdout.write(lines);
          return;
        }
        const out = path.resolve(ctx.cwd, opts.output ?? 'openevolve_output/best');
        for (const f of writeOpenEvolveBest(store, opts.run[0]!, out)) ctx.print(f);
      } finally {
        store.close();
      }
    });
}
