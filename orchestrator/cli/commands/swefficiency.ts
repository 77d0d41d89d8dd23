// `adrs swefficiency list|show|prepare|eval|report`: SWE-fficiency instances as problems, predictions scored as the benchmark does.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../../core/errors.js';
import { guardDiff } from '../../../evaluators/guard/check.js';
import { runEvaluation } from '../../../evaluators/run-evaluation.js';
import type { LoadedProblem } from '../../../problems/src/load.js';
import { findInstance, loadDataset, loadPredictions } from '../../../problems/src/swefficiency/dataset.js';
import {
  evaluatePredictions,
  type InstanceDetail,
  runDetails,
  unknownPredictions,
  type InstanceRun,
} from '../../../problems/src/swefficiency/eval-predictions.js';
import type { SweInstance } from '../../../problems/src/swefficiency/instance-schema.js';
import { writeInstancePackage, type PackageOptions } from '../../../problems/src/swefficiency/package.js';
import {
  goldFromReport,
  readReportCsv,
  summarize,
  type ReportSummary,
} from '../../../problems/src/swefficiency/report.js';
import { createSandbox } from '../../../sandboxes/index.js';
import type { Sandbox } from '../../../sandboxes/types.js';
import {
  feedbackFile,
  finishedRows,
  ReportJournal,
} from '../../../problems/src/swefficiency/eval-journal.js';
import { stageTarget } from '../../evaluate/target.js';
import { materializeWorkspace } from '../../evaluate/workspace.js';
import type { CliContext } from '../context.js';

interface DatasetFlag {
  dataset?: string;
  json?: boolean;
}

interface PackageFlags {
  repos: string;
  python?: string;
  harnessPython?: string;
  image?: string;
  repoDir?: string;
  timeout?: string;
}

function datasetFile(ctx: CliContext, flag: string | undefined): string {
  const file = flag ?? ctx.env.ADRS_SWE_DATASET;
  if (!file)
    throw new InputError(
      '--dataset FILE: which instances? Give the dataset (.jsonl, .json or .parquet of swefficiency/swefficiency) or set ADRS_SWE_DATASET',
    );
  return path.resolve(ctx.cwd, file);
}

function packageOptions(ctx: CliContext, f: PackageFlags): PackageOptions {
  const timeout = f.timeout === undefined ? undefined : Number(f.timeout);
  if (timeout !== undefined && !(timeout > 0))
    throw new InputError(`--timeout ${f.timeout}: give seconds (> 0)`);
  return {
    reposDir: path.resolve(ctx.cwd, f.repos),
    ...(f.python ? { python: f.python } : {}),
    ...(f.harnessPython ? { harnessPython: f.harnessPython } : {}),
    ...(f.image ? { image: f.image } : {}),
    ...(f.repoDir ? { repoDir: f.repoDir } : {}),
    ...(timeout ? { timeoutS: timeout } : {}),
  };
}

function withPackageFlags(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--repos <folder>',
      'repositories by name <owner>__<name>: git repos holding base_commit (or plain files)',
    )
    .option(
      '--python <path>',
      'python that runs workloads and tests in the sandbox (default /usr/bin/python3)',
    )
    .option('--harness-python <path>', 'python that runs the stdlib harness (default /usr/bin/python3)')
    .option('--image <name>', "sandbox image (default: the instance's image_name, else adrs-swe)")
    .option(
      '--repo-dir <path>',
      'in-sandbox repository to judge (real images: /testbed); default the workspace',
    )
    .option('--timeout <seconds>', 'limit for one evaluation (default 7200)');
}

/** Runs one patch in the sandbox: the evaluator gets the patch as a read-only file next to it. */
/** onProgress: the evaluator's live phase and repeat lines, each with the instance and the run (gold, prediction). */
function sandboxRunner(sandbox: Sandbox, signal?: AbortSignal, onProgress?: (line: string) => void) {
  return async (problem: LoadedProblem, patch: string, label: string): Promise<InstanceRun> => {
    const evalDir = mkdtempSync(path.join(tmpdir(), 'adrs-swe-eval-'));
    const ws = materializeWorkspace(problem, {});
    try {
      cpSync(problem.evaluatorDir, evalDir, { recursive: true });
      writeFileSync(path.join(evalDir, 'prediction.diff'), patch);
      const target = stageTarget(problem, 'screen');
      const outcome = await runEvaluation({
        sandbox,
        workspaceDir: ws.dir,
        stage: 'screen',
        seed: 0,
        target: {
          ...target,
          evaluatorDir: evalDir,
          command: [...target.command, '--patch', '{problem}/prediction.diff'],
        },
        labels: { 'adrs.swefficiency': problem.spec.name, 'adrs.run': label },
        signal,
        ...(onProgress
          ? { onProgress: (line: string) => onProgress(`  ${problem.spec.name} ${label}: ${line}`) }
          : {}),
      });
      if (outcome.status === 'ok' || outcome.status === 'incorrect')
        return {
          ran: true,
          correct: outcome.result.correct,
          metrics: outcome.result.metrics,
          feedback: outcome.result.feedback,
          details: runDetails(outcome.result.artifacts),
        };
      const why = 'reason' in outcome ? outcome.reason : outcome.status;
      return { ran: false, correct: false, metrics: {}, feedback: `${outcome.status}: ${why}` };
    } finally {
      ws.dispose();
      rmSync(evalDir, { recursive: true, force: true });
    }
  };
}

function printSummary(ctx: CliContext, s: ReportSummary): void {
  ctx.print(
    `instances          ${s.instances}${s.missing ? ` (${s.missing} without a row: speedup 1.0, incorrect)` : ''}`,
  );
  ctx.print(
    `HM speedup ratio   ${s.hmSpeedupRatio.toFixed(4)}x   (harmonic mean of speedup / expert speedup)`,
  );
  ctx.print(`HM speedup         ${s.hmSpeedup.toFixed(4)}x`);
  ctx.print(`correctness        ${(s.correctness * 100).toFixed(1)}%`);
  ctx.print(`beat the expert    ${s.beatExpert}`);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 80) ?? '';
}

export function register(program: Command, ctx: CliContext): void {
  const swe = program
    .command('swefficiency')
    .description('SWE-fficiency repository tasks: instances, predictions, reports');

  swe
    .command('list')
    .description('list the instances of a dataset file')
    .option('--dataset <file>', 'instances (.jsonl, .json or .parquet); default $ADRS_SWE_DATASET')
    .option('--json', 'print JSON')
    .action(async (opts: DatasetFlag) => {
      const instances = await loadDataset(datasetFile(ctx, opts.dataset));
      if (opts.json) {
        ctx.print(
          JSON.stringify(
            instances.map((i) => ({
              instance_id: i.instance_id,
              repo: i.repo,
              base_commit: i.base_commit,
              speedup: i.speedup,
              tests: i.PASS_TO_PASS.length,
            })),
          ),
        );
        return;
      }
      for (const i of instances)
        ctx.print(
          `${i.instance_id.padEnd(36)} ${i.repo.padEnd(26)} ${i.base_commit.slice(0, 10)}  ${String(i.PASS_TO_PASS.length).padStart(5)} tests  ${firstLine(i.problem_statement)}`,
        );
      ctx.warn(`${instances.length} instances`);
    });

  swe
    .command('show <instance>')
    .description('show one instance: repo, commit, tests, workload, expert patch size')
    .option('--dataset <file>', 'instances (.jsonl, .json or .parquet); default $ADRS_SWE_DATASET')
    .option('--json', 'print the whole row as JSON')
    .action(async (id: string, opts: DatasetFlag) => {
      const file = datasetFile(ctx, opts.dataset);
      const i: SweInstance = findInstance(await loadDataset(file), id, file);
      if (opts.json) {
        ctx.print(JSON.stringify(i, null, 2));
        return;
      }
      ctx.print(`${i.instance_id}  ${i.repo} @ ${i.base_commit}`);
      ctx.print(`image          ${i.image_name || '(none: build the repo locally)'}`);
      ctx.print(`gold speedup   ${i.speedup > 0 ? `${i.speedup}x` : '(not filled in: measured by eval)'}`);
      ctx.print(`expert patch   ${i.patch.split('\n').length} lines`);
      ctx.print(`covering tests ${i.covering_tests.join(', ') || '-'}`);
      ctx.print(`PASS_TO_PASS   ${i.PASS_TO_PASS.length} tests`);
      ctx.print(`test_cmd       ${i.test_cmd}`);
      ctx.print(`rebuild_cmd    ${i.rebuild_cmd || '-'}`);
      ctx.print('');
      ctx.print(i.workload.trim());
    });

  withPackageFlags(
    swe
      .command('prepare <instance>')
      .description(
        'write an instance as a problem package (repo at base_commit as the seed) for adrs eval / evolve',
      )
      .option('--dataset <file>', 'instances (.jsonl, .json or .parquet); default $ADRS_SWE_DATASET')
      .requiredOption('-o, --out <folder>', 'where to write the package'),
  ).action(async (id: string, opts: DatasetFlag & PackageFlags & { out: string }) => {
    const file = datasetFile(ctx, opts.dataset);
    const instance = findInstance(await loadDataset(file), id, file);
    const out = path.resolve(ctx.cwd, opts.out);
    if (existsSync(out) && readdirSync(out).length > 0)
      throw new InputError(`--out ${opts.out}: folder exists and is not empty (choose a new folder)`);
    await writeInstancePackage(instance, out, packageOptions(ctx, opts));
    ctx.print(
      `wrote ${path.relative(ctx.cwd, out) || out} (problem.yaml, seed/ = ${instance.repo} at ${instance.base_commit.slice(0, 12)}, evaluator/)`,
    );
    ctx.warn(`next: adrs eval ${opts.out}   or   adrs evolve ${opts.out} --proposer agent`);
  });

  withPackageFlags(
    swe
      .command('eval')
      .description(
        'score a predictions file (gold run + prediction run per instance) and write the report CSV',
      )
      .requiredOption(
        '--predictions <file>',
        'JSONL: {instance_id, model_patch, model_name_or_path} per line',
      )
      .option('--dataset <file>', 'instances (.jsonl, .json or .parquet); default $ADRS_SWE_DATASET')
      .option(
        '--gold-report <csv>',
        'take gold speedups from a gold report (eval_report_gold.csv) instead of measuring them',
      )
      .option('--instances <regex>', 'only instances whose id matches')
      .option(
        '--out <csv>',
        'report file (default eval_report_<model>.csv); written as rows finish, full feedback in <csv>.feedback.jsonl',
      )
      .option('--resume', 'keep the rows an interrupted run of the same --out finished; run only the rest')
      .option('--sandbox <kind>', 'local or docker', 'local')
      .option('--json', 'print the summary and rows (with each reason and feedback) as JSON'),
  ).action(
    async (
      opts: DatasetFlag &
        PackageFlags & {
          predictions: string;
          goldReport?: string;
          instances?: string;
          out?: string;
          resume?: boolean;
          sandbox: string;
        },
    ) => {
      const file = datasetFile(ctx, opts.dataset);
      let instances = await loadDataset(file);
      const predictions = await loadPredictions(path.resolve(ctx.cwd, opts.predictions));
      const unknown = unknownPredictions(instances, predictions);
      if (unknown.length)
        throw new InputError(
          `--predictions ${opts.predictions}: ${unknown.length} instance ids are not in ${file} (e.g. ${unknown[0]})`,
        );
      if (opts.instances) {
        const re = new RegExp(opts.instances);
        instances = instances.filter((i) => re.test(i.instance_id));
      }
      const gold = opts.goldReport
        ? goldFromReport(readReportCsv(path.resolve(ctx.cwd, opts.goldReport)))
        : undefined;
      const model = (predictions[0]?.model_name_or_path ?? 'predictions').replaceAll('/', '__');
      const out = path.resolve(ctx.cwd, opts.out ?? `eval_report_${model}.csv`);
      const done = opts.resume ? finishedRows(out) : new Map<string, InstanceDetail>();
      if (opts.resume)
        ctx.warn(`--resume: ${done.size} finished row(s) kept from ${path.relative(ctx.cwd, out) || out}`);
      const journal = new ReportJournal(
        out,
        instances.flatMap((i) => done.get(i.instance_id) ?? []),
      );
      const sandbox = await createSandbox(opts.sandbox);
      try {
        const details = await evaluatePredictions({
          instances,
          predictions,
          packages: packageOptions(ctx, opts),
          run: sandboxRunner(sandbox, ctx.signal, (line) => ctx.warn(line)),
          precheck: (patch) => {
            const report = guardDiff(patch);
            return report.ok ? undefined : report.reason;
          },
          ...(gold ? { gold } : {}),
          done,
          onProgress: (line) => ctx.warn(line),
          onRow: (d) => {
            if (!done.has(d.instanceId)) journal.add(d);
          },
        });
        journal.finish(details);
        const rows = details.map((d) => d.row);
        const summary = summarize(rows);
        if (opts.json)
          ctx.print(
            JSON.stringify(
              {
                report: out,
                feedback: feedbackFile(out),
                summary,
                rows: details.map((d) => ({
                  ...d.row,
                  reason: d.reason,
                  feedback: d.feedback,
                  details: d.details,
                })),
              },
              null,
              2,
            ),
          );
        else {
          ctx.print(`report             ${path.relative(ctx.cwd, out) || out}`);
          ctx.print(`feedback           ${path.relative(ctx.cwd, feedbackFile(out)) || feedbackFile(out)}`);
          for (const d of details)
            if (d.reason && d.reason !== 'no prediction')
              ctx.print(`refused            ${d.instanceId}: ${d.reason}`);
          printSummary(ctx, summary);
        }
      } finally {
        await sandbox.dispose();
      }
    },
  );

  swe
    .command('report')
    .description('print the harmonic mean of speedup ratios and the correctness of a report CSV')
    .requiredOption('--csv <file>', 'a report with the official columns (eval_report_<name>.csv)')
    .option(
      '--gold <csv>',
      "count over the gold report's instances (e.g. all 498): an instance without a row scores 1.0, incorrect",
    )
    .option('--json', 'print JSON')
    .action((opts: { csv: string; gold?: string; json?: boolean }) => {
      const rows = readReportCsv(path.resolve(ctx.cwd, opts.csv));
      const gold = opts.gold ? goldFromReport(readReportCsv(path.resolve(ctx.cwd, opts.gold))) : undefined;
      const summary = summarize(rows, gold);
      if (opts.json) ctx.print(JSON.stringify(summary));
      else printSummary(ctx, summary);
    });
}
