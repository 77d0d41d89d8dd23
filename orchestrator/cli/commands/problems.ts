// `adrs problems list|show`: the problem packages this installation knows.
import type { Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../core/errors.js';
import { listProblems, loadProblem } from '../../../problems/src/load.js';
import { importKernelBench } from '../../../problems/src/kernelbench/import.js';
import { convertOpenEvolve } from '../../../problems/src/openevolve/convert.js';
import { importAdrsProblem } from '../../../problems/src/adrs/import.js';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const problems = program.command('problems').description('list and inspect problem packages');
  problems
    .command('list')
    .description('list the built-in problem packages (and any under --dir)')
    .option('--dir <folder>', 'a folder of problem packages instead of the built-in ones')
    .option('--json', 'print JSON')
    .action((opts: { dir?: string; json?: boolean }) => {
      const items = listProblems(opts.dir);
      if (opts.json) {
        ctx.print(
          JSON.stringify(
            items.map((p) => ({ name: p.name, dir: p.dir, error: p.error, language: p.spec?.language })),
          ),
        );
        return;
      }
      for (const p of items) {
        if (p.error) ctx.print(`${p.name.padEnd(24)} BROKEN: ${p.error}`);
        else
          ctx.print(`${p.name.padEnd(24)} ${p.spec!.language.padEnd(8)} ${firstLine(p.spec!.description)}`);
      }
    });
  problems
    .command('show <problem>')
    .description('show a problem: description, metrics, stages, workloads')
    .option('--json', 'print the validated problem.yaml as JSON')
    .action((ref: string, opts: { json?: boolean }) => {
      const p = loadProblem(ref, ctx.cwd);
      if (opts.json) {
        ctx.print(JSON.stringify({ ...p.spec, dir: p.dir, contentHash: p.contentHash }, null, 2));
        return;
      }
      const s = p.spec;
      ctx.print(`${s.name} (${s.language})  ${p.dir}`);
      ctx.print(`content hash  ${p.contentHash}`);
      ctx.print('');
      ctx.print(s.description.trim());
      ctx.print('');
      ctx.print(`seed          ${s.seed.files.join(', ')}`);
      ctx.print(`evaluator     ${s.evaluator.command.join(' ')}`);
      ctx.print(`primary       ${s.primary}`);
      ctx.print(
        `metrics       ${s.metrics.map((m) => `${m.name} (${m.direction === 'maximize' ? 'max' : 'min'})`).join(', ')}`,
      );
      ctx.print(
        `timing        ${s.timing.key ? `timings.${s.timing.key}, min effect ${s.timing.min_effect * 100}%` : 'deterministic'}`,
      );
      ctx.print(
        `workloads     screen: ${s.workloads.screen ?? '-'}  verify (held out): ${s.workloads.verify ?? '-'}`,
      );
      ctx.print(
        `sandbox       image ${s.sandbox.image}; ${s.resources.memory_mb} MB, ${s.resources.cpus} cpu, ${s.resources.gpus} gpu`,
      );
    });
  const importer = problems
    .command('import')
    .description('convert a problem written for another tool into a problem package');
  importer
    .command('openevolve <dir>')
    .description('convert an OpenEvolve folder (initial_program.*, evaluator.py, config.yaml) into a package')
    .requiredOption('-o, --out <folder>', 'where to write the package, e.g. problems/my-problem')
    .option('--name <name>', 'problem name (default: the folder name)')
    .action((dir: string, opts: { out: string; name?: string }) => {
      const src = path.resolve(ctx.cwd, dir);
      const out = path.resolve(ctx.cwd, opts.out);
      if (existsSync(out) && readdirSync(out).length > 0) {
        throw new InputError(`--out ${opts.out}: folder exists and is not empty (choose a new folder)`);
      }
      const { config } = convertOpenEvolve(src, out, opts.name ?? path.basename(out));
      loadProblem(out); // validate what we wrote
      ctx.print(
        `wrote ${path.relative(ctx.cwd, out) || out} (problem.yaml, seed/, evaluator/ with the OpenEvolve shim)`,
      );
      if (config.unused.length) ctx.warn(`config.yaml: not used by adrs: ${config.unused.join(', ')}`);
    });
  importer
    .command('adrs <dir>')
    .description(
      'convert an ADRS leaderboard problem folder (evaluator.py scoring a Solution class) into a package',
    )
    .requiredOption(
      '--solution <file>',
      'the solution.py to start from, e.g. solutions/eplb/human_SOTA/resources/solution.py',
    )
    .option('--dataset <file...>', 'data the evaluator reads from datasets/<problem>/, e.g. expert-load.json')
    .requiredOption('-o, --out <folder>', 'where to write the package, e.g. problems/adrs-eplb')
    .option('--name <name>', 'problem name (default: the folder name)')
    .action((dir: string, opts: { solution: string; dataset?: string[]; out: string; name?: string }) => {
      const out = path.resolve(ctx.cwd, opts.out);
      if (existsSync(out) && readdirSync(out).length > 0) {
        throw new InputError(`--out ${opts.out}: folder exists and is not empty (choose a new folder)`);
      }
      const made = importAdrsProblem(path.resolve(ctx.cwd, dir), out, {
        solution: path.resolve(ctx.cwd, opts.solution),
        datasets: (opts.dataset ?? []).map((f) => path.resolve(ctx.cwd, f)),
        name: opts.name,
      });
      loadProblem(out); // validate what we wrote
      ctx.print(
        `wrote ${path.relative(ctx.cwd, out) || out} (${made.name}: seed/solution.py, evaluator/ with the leaderboard folder)`,
      );
    });
  importer
    .command('kernelbench <file>')
    .description(
      'convert a KernelBench problem file (class Model, get_inputs, get_init_inputs) into a package',
    )
    .requiredOption('-o, --out <folder>', 'where to write the package, e.g. problems/kb-matmul')
    .option('--name <name>', 'problem name (default: kb-<file name>)')
    .action((file: string, opts: { out: string; name?: string }) => {
      const out = path.resolve(ctx.cwd, opts.out);
      if (existsSync(out) && readdirSync(out).length > 0) {
        throw new InputError(`--out ${opts.out}: folder exists and is not empty (choose a new folder)`);
      }
      const made = importKernelBench(path.resolve(ctx.cwd, file), out, opts.name);
      loadProblem(out); // validate what we wrote
      ctx.print(
        `wrote ${path.relative(ctx.cwd, out) || out} (${made.name}: seed/model_new.py, evaluator/ with reference.py; precision ${made.precision})`,
      );
    });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
