// `adrs eval <problem>`: evaluates the seed (or --program FILE, or --patch FILE.diff) in a sandbox, stores the result, prints its metrics.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../../../core/errors.js';
import { STAGES, type Stage } from '../../../evaluators/result.js';
import { loadProblem } from '../../../problems/src/load.js';
import { createSandbox } from '../../../sandboxes/index.js';
import { evaluateCandidate } from '../../evaluate/evaluate-candidate.js';
import { filesFromPatch } from '../../evaluate/patch-files.js';
import { seedFiles } from '../../evaluate/workspace.js';
import type { CliContext } from '../context.js';
import { fmtMs, fmtNumber, table } from '../format.js';
import { setExitCode } from '../main.js';
import { guardConfigOf } from '../../evaluate/guard-config.js';

interface EvalOptions {
  program?: string;
  patch?: string;
  json?: boolean;
  db?: string;
  sandbox: string;
  gpus?: string;
  seed: string;
  stage: Stage;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('eval <problem>')
    .description('evaluate the seed program (or --program FILE) in a sandbox and store the result')
    .option(
      '--program <file>',
      'evaluate this file instead of the seed (replaces the seed file of the same name, or the only one)',
    )
    .option(
      '--patch <file.diff>',
      'evaluate the seed with this unified diff applied (git diff or diff -u; any number of files, new ones too)',
    )
    .addOption(
      new Option('--stage <stage>', 'evaluator stage')
        .choices(STAGES as unknown as string[])
        .default('screen'),
    )
    .option('--sandbox <kind>', 'local or docker', 'local')
    .option('--gpus <spec>', 'docker: GPUs to expose (all, a count, or ids)')
    .option('--seed <n>', 'seed for the evaluator inputs', '1')
    .option('--db <file>', 'database file (default .adrs/adrs.db, or ADRS_DB)')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts: EvalOptions, cmd: Command) => {
      const problem = loadProblem(ref, ctx.cwd);
      guardConfigOf(problem); // a bad guard rule name is an input error now, not a failed evaluation later
      // A peer's run settings (OpenEvolve config.yaml) are not needed to evaluate: a problem there is a warning here.
      const peer = problem.origin?.kind === 'openevolve' ? problem.origin.config.errors : [];
      for (const line of peer) ctx.warn(`${line} (ignored by eval; evolve needs it fixed)`);
      const files = seedFiles(problem);
      if (opts.program && opts.patch)
        throw new InputError('--program and --patch: give one of them (a whole file, or a diff)');
      if (opts.program) Object.assign(files, programFile(opts.program, ctx.cwd, Object.keys(files)));
      if (opts.patch)
        Object.assign(files, await filesFromPatch(path.resolve(ctx.cwd, opts.patch), problem.seedDir));
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed))
        throw new InputError(`--seed ${opts.seed}: not an integer (give a whole number)`);
      const store = ctx.openStore(opts.db);
      const sandbox = await createSandbox(opts.sandbox, { gpus: opts.gpus });
      try {
        store.upsertProblem({
          name: problem.spec.name,
          contentHash: problem.contentHash,
          dir: problem.dir,
          spec: problem.spec,
        });
        const run = store.createRun({
          problemName: problem.spec.name,
          problemHash: problem.contentHash,
          strategy: 'eval',
          sandbox: sandbox.kind,
          config: { stage: opts.stage, seed, program: opts.program ?? null, patch: opts.patch ?? null },
        });
        const cand = store.insertCandidate({
          runId: run.id,
          problemName: problem.spec.name,
          problemHash: problem.contentHash,
          files,
          proposer: opts.program || opts.patch ? 'user' : 'seed',
          generation: 0,
          iteration: 0,
        });
        if (!opts.json) ctx.warn(`evaluating ${problem.spec.name} (${opts.stage}, ${sandbox.kind} sandbox)…`);
        const ev = await evaluateCandidate({
          store,
          problem,
          sandbox,
          candidateId: cand.id,
          files,
          stage: opts.stage,
          seed,
          gpus: opts.gpus,
        });
        store.updateRun(run.id, {
          status: 'finished',
          iterationsDone: 1,
          bestCandidateId: ev.correct ? cand.id : null,
        });
        const o = ev.outcome;
        const result = o.status === 'ok' || o.status === 'incorrect' ? o.result : undefined;
        if (opts.json) {
          ctx.print(
            JSON.stringify({
              run: run.id,
              candidate: cand.id,
              evaluation: ev.row.id,
              status: o.status,
              correct: ev.correct,
              score: ev.score,
              metrics: result?.metrics ?? {},
              checks: result?.checks ?? [],
              feedback: result?.feedback ?? ('feedback' in o ? o.feedback : ''),
              reason: 'reason' in o ? o.reason : null,
              durationMs: o.durationMs,
              db: store.path,
            }),
          );
        } else {
          ctx.print(
            `${problem.spec.name}  ${o.status.toUpperCase()}  (${fmtMs(o.durationMs)}, candidate ${cand.id}, run ${run.id})`,
          );
          if (result) {
            const rows = Object.entries(result.metrics).map(([k, v]) => [
              k + (k === problem.spec.primary ? ' *' : ''),
              fmtNumber(v, 6),
            ]);
            ctx.print(table(['metric', 'value'], rows));
            for (const c of result.checks.filter((c) => !c.ok))
              ctx.print(`check failed: ${c.name}${c.detail ? ': ' + c.detail : ''}`);
            if (!ev.correct && result.feedback) ctx.print(`feedback: ${result.feedback}`);
          } else {
            ctx.print(`reason: ${'reason' in o ? o.reason : ''}`);
            if (o.stderrTail) ctx.print(`stderr (tail):\n${o.stderrTail}`);
          }
          ctx.print(`stored in ${displayPath(ctx.cwd, store.path)}`);
        }
        if (!ev.correct) setExitCode(cmd, 1);
      } finally {
        await sandbox.dispose();
        store.close();
      }
    });
}

function programFile(file: string, cwd: string, seedNames: string[]): Record<string, string> {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new InputError(`--program ${file}: no such file`);
  const base = path.basename(abs);
  const target =
    seedNames.find((n) => path.basename(n) === base) ?? (seedNames.length === 1 ? seedNames[0] : undefined);
  if (!target)
    throw new InputError(
      `--program ${file}: matches no seed file (name it like one of: ${seedNames.join(', ')})`,
    );
  return { [target]: readFileSync(abs, 'utf8') };
}

/** A path relative to the working directory when it lies below it, else absolute. */
export function displayPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}
