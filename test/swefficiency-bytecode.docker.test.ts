// The SWE harness's bytecode cache (swe_pyc.py) in the Docker sandbox (adrs-swe image): the evaluator cache reaches
// the container read-only, the archive is built on the first evaluation and loaded on the next, and a patched
// module still compiles from its source.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluatorCacheDir } from '../orchestrator/evaluate/target.js';
import { DockerSandbox } from '../sandboxes/docker/docker-sandbox.js';
import {
  bytecode,
  cacheFiles,
  evaluate,
  expert,
  problem,
  reported,
} from './fixtures/swe/bytecode/bytecode.js';
import { dockerReady, warnDockerSkip } from './helpers/docker-ready.js';

const IMAGE = 'adrs-swe:latest';
const ci = process.env.CI === 'true';
const state = await dockerReady(IMAGE);
const { ready, why } = state;
if (!ci) warnDockerSkip('swefficiency-bytecode.docker', state);

const sandbox = new DockerSandbox({ image: IMAGE });
afterAll(async () => sandbox.dispose());

describe.skipIf(!ready && !ci)('SWE bytecode cache under Docker (adrs-swe)', () => {
  it('is built by the first evaluation, loaded by the next; the patched module compiles from source', async () => {
    expect(ready, `CI=true but the Docker sandbox cannot run: ${why}`).toBe(true);
    const p = await problem('docker');
    rmSync(evaluatorCacheDir(p), { recursive: true, force: true });
    const cold = await evaluate(sandbox, p, expert);
    expect(cold.correct, cold.feedback).toBe(true);
    expect(bytecode(cold)).toMatchObject({ built: true, installed: 3, note: '' });
    expect(Object.keys(cacheFiles(p))).toHaveLength(1);
    const warm = await evaluate(sandbox, p, expert);
    expect(warm.correct, warm.feedback).toBe(true);
    expect(bytecode(warm)).toMatchObject({ built: false, installed: 3, note: '' });
    expect(reported(warm, 'compiled')).toBe('textstats/core.py');
    expect(reported(warm, 'marker')).toBe('patched');
  }, 300_000);
});
