// The run page's MAP-Elites grids come from the population rows (migration 0003) for runs that keep no population in state.
import { afterAll, describe, expect, it } from 'vitest';
import { evolve } from '../orchestrator/loop/index.js';
import { createApp } from '../web/src/app.js';
import { fakeConfig, fakeEvolve, tempStore } from './fakes/fake-loop.js';
import { scriptedProposer } from './fakes/scripted-proposer.js';
import { listen } from './helpers/seed-db.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

describe('run page population grids', () => {
  it('shows each island grid from population_programs, with cells linking to their holders', async () => {
    const store = tempStore();
    const proposer = scriptedProposer(['better', 'same', 'better', 'incorrect', 'better', 'same']);
    const r = await evolve(
      fakeEvolve(store, proposer, { config: fakeConfig({ iterations: 12, islands: 2 }) }),
    );
    const rows = store.db
      .prepare(
        'SELECT island, cell, candidate_id FROM population_programs WHERE run_id = ? AND cell IS NOT NULL',
      )
      .all(r.runId) as { island: number; cell: string; candidate_id: string }[];
    expect(rows.length).toBeGreaterThan(0);
    // The state carries no population any more: only the rows can draw the grid.
    const state = JSON.parse(store.getRun(r.runId).state_json ?? '{}') as Record<string, unknown>;
    expect(state.population).toBeUndefined();

    const server = await listen(createApp({ store }));
    closers.push(() => server.close());
    const page = await (await fetch(`${server.url}/runs/${r.runId}`)).text();
    expect(page).not.toContain('no MAP-Elites archive in the run state');
    const islands = new Set(rows.map((x) => x.island));
    for (const island of islands) expect(page).toMatch(new RegExp(`island ${island}: \\d+ cells`));
    // Every held cell's holder is linked from the grid.
    const holders = new Set(rows.map((x) => x.candidate_id));
    expect([...holders].some((id) => page.includes(`/candidates/${id}`))).toBe(true);
  });
});
