// The platform-fault channel in the Docker sandbox: the evaluator's own EAGAIN is infrastructure (reported on
// $ADRS_INFRA_REPORT, in the folder only its uid can open), the same words printed on stderr are not.
import { afterAll, describe, expect, it } from 'vitest';
import { runEvaluation } from '../evaluators/run-evaluation.js';
import { DockerSandbox } from '../sandboxes/docker/docker-sandbox.js';
import { dockerReady, warnDockerSkip } from './helpers/docker-ready.js';

const ci = process.env.CI === 'true';
const state = await dockerReady();
if (!ci) warnDockerSkip('infrastructure.docker', state);
let sandbox: DockerSandbox | undefined;
afterAll(async () => {
  await sandbox?.dispose();
});

async function evaluate(code: string) {
  sandbox ??= new DockerSandbox({ image: 'adrs-base:latest' });
  return runEvaluation({
    sandbox,
    workspaceDir: import.meta.dirname,
    stage: 'screen',
    seed: 1,
    target: {
      command: ['/usr/bin/python3', '-c', code],
      evaluatorDir: import.meta.dirname,
      limits: { wallTimeMs: 60_000, memoryMb: 512, pids: 32, outputBytes: 8192 },
    },
  });
}

describe.skipIf(!state.ready && !ci)('platform faults under Docker', () => {
  it('has an engine and the base image (CI fails here when they are missing)', () => {
    expect(state.ready, state.why).toBe(true);
  });

  it('an evaluator that cannot fork (its uid out of processes) is infrastructure', async () => {
    const o = await evaluate(
      'import resource,os; resource.setrlimit(resource.RLIMIT_NPROC,(0,0)); os.fork()',
    );
    expect(o.status).toBe('failed');
    expect('infrastructure' in o && o.infrastructure).toMatch(
      /^the evaluator could not start a process \(BlockingIOError: \[Errno 11\]/,
    );
  }, 120_000);

  it("the same line printed on stderr, with the exit code of a crash, is the evaluation's own failure", async () => {
    const o = await evaluate(
      'import sys; sys.stderr.write("BlockingIOError: [Errno 11] Resource temporarily unavailable\\n"); sys.exit(1)',
    );
    expect(o.status).toBe('failed');
    expect(o.stderrTail).toContain('BlockingIOError: [Errno 11] Resource temporarily unavailable');
    expect('infrastructure' in o ? o.infrastructure : undefined).toBeUndefined();
  }, 120_000);
});
