// End to end under Docker: `adrs eval problems/moe-eplb --sandbox docker` and a short
// `adrs evolve problems/matmul-cpu --sandbox docker`, as a user runs them after `adrs images build`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { LABEL } from '../sandboxes/docker/labels.js';
import { cli } from './helpers/cli.js';
import { dockerReady, warnDockerSkip } from './helpers/docker-ready.js';

const ci = process.env.CI === 'true';
const state = await dockerReady();
const { docker, ready } = state;
if (!ci) warnDockerSkip('cli-docker', state);

describe.skipIf(!ready && !ci)('the CLI under Docker', () => {
  it('has an engine and the base image (CI fails here when they are missing)', () => {
    expect(ready, state.why).toBe(true);
  });

  it('adrs eval problems/moe-eplb --sandbox docker prints its metrics and stores them', async () => {
    const db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-cli-docker-')), 'adrs.db');
    const r = await cli(['eval', 'problems/moe-eplb', '--sandbox', 'docker', '--json', '--db', db]);
    expect(r.code, r.err + r.out).toBe(0);
    const res = JSON.parse(r.out.trim());
    expect(res.status).toBe('ok');
    expect(res.metrics.gpu_balancedness).toBeGreaterThan(0.5);
    const store = Store.open(db);
    expect(store.listEvaluations(res.candidate)[0]?.sandbox).toBe('docker');
    store.close();
  });

  it('adrs evolve problems/matmul-cpu --sandbox docker runs the tuner and leaves no container', async () => {
    const db = path.join(mkdtempSync(path.join(tmpdir(), 'adrs-cli-docker-')), 'adrs.db');
    const r = await cli([
      'evolve',
      'problems/matmul-cpu',
      '--sandbox',
      'docker',
      '--iterations',
      '4',
      '--no-verify',
      '--json',
      '--db',
      db,
    ]);
    expect(r.code, r.err).toBe(0);
    const events = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string });
    expect(events.filter((e) => e.type === 'candidate:evaluated')).toHaveLength(5); // the seed + 4
    expect(events.at(-1)).toMatchObject({ type: 'run:end', status: 'finished' });
    const store = Store.open(db);
    const run = store.listRuns(1)[0]!;
    expect(
      store.listCandidates(run.id).filter((c) => c.status === 'evaluated').length,
    ).toBeGreaterThanOrEqual(1);
    store.close();
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.pid}=${process.pid}`] },
    });
    expect(left).toEqual([]);
  });
});
