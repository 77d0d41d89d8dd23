// What the Docker red-team suites need before their cases: the engine and image (loud skip line or, under CI, a
// failure), and the cases the image can run (the KernelBench ones need torch, which adrs-base lacks).
import { execa } from 'execa';
import { dockerReady, warnDockerSkip } from '../helpers/docker-ready.js';
import { CASES, type RedteamCase } from './redteam-cases.js';

export interface DockerRedteam {
  ready: boolean;
  /** Why not ready (empty when ready), naming the fix. */
  why: string;
  cases: RedteamCase[];
}

export async function dockerRedteam(suite: string, image: string): Promise<DockerRedteam> {
  const state = await dockerReady(image);
  if (process.env.CI !== 'true') warnDockerSkip(suite, state);
  if (!state.ready) return { ready: false, why: state.why, cases: [...CASES] };
  const probe = await execa(
    'docker',
    ['run', '--rm', '--network', 'none', image, 'python3', '-c', 'import torch'],
    {
      reject: false,
    },
  );
  const cases = CASES.filter((c) => c.needs !== 'torch' || probe.exitCode === 0);
  const left = CASES.filter((c) => !cases.includes(c)).map((c) => c.file);
  if (left.length > 0)
    console.warn(
      `\n*** ${suite}: ${left.join(', ')} SKIPPED: ${image} has no torch (the local suite runs them) ***\n`,
    );
  return { ready: true, why: '', cases };
}
