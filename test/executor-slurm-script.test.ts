import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { batchScript, gresFor, sbatchArgs, workerEnv } from '../orchestrator/executors/slurm/batch-script.js';
import { addSlurmFlags, slurmFlagsToConfig } from '../orchestrator/executors/slurm/cli-flags.js';
import { slurmConfigSchema } from '../orchestrator/executors/slurm/config.js';
import { SlurmExecutor } from '../orchestrator/executors/slurm/slurm-executor.js';

describe('slurm batch script and sbatch arguments', () => {
  it('passes only allow-listed and ADRS_* variables to the worker, never a secret', () => {
    const env = workerEnv(
      {
        PATH: '/usr/bin:/bin',
        HOME: '/home/u',
        ADRS_DB: '/x/adrs.db',
        ADRS_TOKEN: 'web-token-secret',
        ANTHROPIC_API_KEY: 'fake-ant-secret',
        OPENAI_API_KEY: 'sk-secret',
        FOO_KEY: 'k',
        AWS_SECRET_ACCESS_KEY: 'a',
        SHELL: '/bin/bash',
      },
      { ADRS_EXTRA: 'yes', MY_TOKEN: 'nope' },
    );
    expect(env).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/u', ADRS_DB: '/x/adrs.db', ADRS_EXTRA: 'yes' });
  });

  it('builds sbatch arguments with --export=NONE, the array size, partition, account, time, gres and extra args', () => {
    const config = slurmConfigSchema.parse({
      partition: 'gpu',
      account: 'proj1',
      timeLimit: '00:30:00',
      cpusPerTask: 4,
      memMb: 8000,
      extraArgs: ['--qos=low'],
    });
    const args = sbatchArgs(config, {
      count: 3,
      logPattern: '/s/logs/%A_%a.out',
      chdir: '/s',
      gres: gresFor(config, '2'),
    });
    expect(args).toEqual([
      '--export=NONE',
      '--job-name=adrs-eval',
      '--array=0-2',
      '--output=/s/logs/%A_%a.out',
      '--chdir=/s',
      '--requeue',
      '--partition=gpu',
      '--account=proj1',
      '--time=00:30:00',
      '--gres=gpu:2',
      '--cpus-per-task=4',
      '--mem=8000',
      '--qos=low',
    ]);
    expect(gresFor(slurmConfigSchema.parse({ gpus: 1 }), 'all')).toBe('gpu:1');
    expect(gresFor(slurmConfigSchema.parse({}), 'all')).toBeUndefined();
    expect(gresFor(slurmConfigSchema.parse({}), '0')).toBeUndefined();
  });

  it('writes a script whose array task i runs the worker on line i+1 of the list, with quoted values', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adrs-batch-'));
    const list = path.join(dir, 'b.list');
    writeFileSync(list, `${dir}/jobs/a.json\n${dir}/jobs/it's b.json\n`);
    const script = path.join(dir, 'b.sh');
    writeFileSync(
      script,
      batchScript({
        listFile: list,
        workerCommand: ['/bin/echo', 'adrs'],
        env: { PATH: '/usr/bin:/bin', ADRS_X: "a 'quoted' $value" },
        batchId: 'b',
      }),
    );
    const run = (task: string) =>
      execFileSync('/bin/bash', [script], {
        env: { SLURM_ARRAY_TASK_ID: task, SECRET_KEY: 'x' },
        encoding: 'utf8',
      }).trim();
    expect(run('1')).toBe(`adrs worker --job ${dir}/jobs/it's b.json`);
    expect(run('0')).toBe(`adrs worker --job ${dir}/jobs/a.json`);
    const printed = execFileSync(
      '/bin/bash',
      ['-c', `sed 's#^exec.*#echo "$ADRS_X"#' ${script} | SLURM_ARRAY_TASK_ID=0 bash`],
      { encoding: 'utf8' },
    );
    expect(printed.trim()).toBe("a 'quoted' $value");
    expect(() =>
      execFileSync('/bin/bash', [script], { env: { SLURM_ARRAY_TASK_ID: '5' }, stdio: 'pipe' }),
    ).toThrow(/no job file/);
  });

  it('refuses secret-looking worker variables and bad settings with a message naming the field', () => {
    const sharedDir = mkdtempSync(path.join(tmpdir(), 'adrs-slurm-cfg-'));
    expect(() => new SlurmExecutor({ sharedDir, env: { HF_TOKEN: 'x' } })).toThrow(/env "HF_TOKEN"/);
    expect(() => new SlurmExecutor({ sharedDir, pollIntervalS: -1 })).toThrow(/pollIntervalS/);
    expect(() => new SlurmExecutor({ sharedDir, partiton: 'gpu' } as never)).toThrow(
      /partiton|unrecognized/i,
    );
  });
});

describe('--executor and --slurm-* flags', () => {
  const parse = (argv: string[]) => {
    const cmd = addSlurmFlags(new Command('evolve').exitOverride().configureOutput({ writeErr: () => {} }));
    cmd.parse(argv, { from: 'user' });
    return slurmFlagsToConfig(cmd.opts());
  };

  it('maps the flags onto the executor and slurm config fields, and gives nothing when none is set', () => {
    const c = parse([
      '--executor=slurm',
      '--slurm-partition=gpu',
      '--slurm-gpus=2',
      '--slurm-arg=--qos=low',
      '--slurm-arg=--constraint=a100',
      '--slurm-poll=0.5',
      '--slurm-sandbox=docker',
      '--slurm-image=adrs-cuda',
    ]);
    expect(c).toEqual({
      executor: 'slurm',
      slurm: {
        partition: 'gpu',
        gpus: 2,
        extraArgs: ['--qos=low', '--constraint=a100'],
        pollIntervalS: 0.5,
        sandbox: 'docker',
        image: 'adrs-cuda',
      },
    });
    expect(slurmConfigSchema.parse(c.slurm)).toMatchObject({ maxRetries: 2, partition: 'gpu' });
    expect(parse([])).toEqual({});
  });

  it('refuses a bad number naming the flag', () => {
    expect(() => parse(['--slurm-gpus=1.5'])).toThrow(/--slurm-gpus 1.5: not a whole number/);
    expect(() => parse(['--slurm-retries=-1'])).toThrow(/--slurm-retries -1/);
  });
});
