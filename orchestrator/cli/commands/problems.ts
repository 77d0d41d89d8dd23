// `adrs problems list|show`: the problem packages this installation knows.
import type { Command } from 'commander';
import { listProblems, loadProblem } from '../../../problems/src/load.js';
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
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
