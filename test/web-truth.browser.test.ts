// The web UI on a database made by real CLI runs (tuner, best-of-n, an LLM run through the real SDK and a fake
// server), in Chromium at desktop and phone widths: one verified best everywhere, the stored transcript shape
// rendered, id prefixes, honest badges, the leaderboard's ties and filters, the candidate table, no page-wide
// horizontal scroll at 390 px. Screenshots go to test-results/screenshots (kept by CI as artifacts).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../orchestrator/store/store.js';
import { createApp } from '../web/src/app.js';
import type { RunSummary } from '../web/src/run-summary.js';
import type { Leaderboard } from '../web/src/leaderboard.js';
import type { Compare } from '../web/src/compare.js';
import type { RunCost } from '../web/src/run-cost.js';
import { makeRealRunsDb, type RealRunsDb } from './helpers/real-runs-db.js';
import { listen } from './helpers/seed-db.js';

const CHROMIUM = process.env.ADRS_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const SHOTS = path.resolve('test-results', 'screenshots');

if (!available) {
  const msg = `\n!!! web-truth.browser.test.ts: ${CHROMIUM} not found: browser tests SKIPPED (install it with .ci/chromium.sh)\n`;
  if (process.env.CI === 'true') throw new Error(msg + 'CI=true: failing instead of skipping');
  console.warn(msg);
}

const WIDTHS = [
  { name: 'desktop', width: 1280 },
  { name: 'phone', width: 390 },
] as const;

describe.skipIf(!available)('the web UI on real runs, in Chromium', () => {
  let real: RealRunsDb;
  let store: Store;
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    real = await makeRealRunsDb();
    store = Store.open(real.dbFile);
    server = await listen(createApp({ store, pollMs: 100 }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    store?.close();
    real?.cleanup();
  });

  async function open(width: number, url: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(server.url + url);
    return page;
  }
  /** A screenshot's name from its URL, runs named by their role and ids left out, so each run overwrites the last. */
  const shotName = (u: string): string => {
    let s = u;
    for (const [role, id] of Object.entries(real.runs)) s = s.replaceAll(id, `${role}-run`);
    s = s
      .replace(/cand_\w+/g, 'candidate')
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-|-$/g, '');
    return s || 'leaderboard';
  };
  const json = async <T>(url: string): Promise<T> => (await (await fetch(server.url + url)).json()) as T;
  const one = <T>(sql: string, ...args: unknown[]): T =>
    store.db
      .prepare(sql)
      .pluck()
      .get(...args) as T;

  it('names one verified best per run: headline, chart, API, leaderboard and CLI agree', async () => {
    for (const runId of Object.values(real.runs)) {
      const api = await json<RunSummary>(`/api/runs/${runId}`);
      const cli = await real.cli(['show', runId, '--json']);
      expect(cli.code).toBe(0);
      const shown = (JSON.parse(cli.out) as { verifiedBest: { candidate_id: string } | null }).verifiedBest;
      expect(shown?.candidate_id ?? null).toBe(api.verifiedBest?.candidateId ?? null);
      const board = await json<Leaderboard>('/api/leaderboard?per=run');
      const row = board.problems.flatMap((p) => p.entries).find((e) => e.runId === runId);
      expect(row?.candidateId ?? null).toBe(api.verifiedBest?.candidateId ?? null);
      const page = await open(1280, `/runs/${runId}`);
      await expect(page.locator('#verified-best').getAttribute('data-candidate')).resolves.toBe(
        api.verifiedBest?.candidateId ?? '',
      );
      // Held-out measures and screen scores never share an axis.
      await expect(page.locator('#score-chart').getAttribute('data-axis')).resolves.toBe('screen');
      if (api.verifiedBest)
        await expect(page.locator('#verified-chart').getAttribute('data-axis')).resolves.toMatch(
          /^(speedup|held-out)$/,
        );
      await page.screenshot({
        path: path.join(SHOTS, `real-${shotName(`/runs/${runId}`)}.png`),
        fullPage: true,
      });
      await page.close();
    }
    // The LLM run verified something (the fake model's A = 5, B = 2 is the best correct answer).
    expect((await json<RunSummary>(`/api/runs/${real.runs.llm}`)).verifiedBest).not.toBeNull();
    expect(errors).toEqual([]);
  });

  it('shows an incorrect candidate as incorrect in its header, the tables and the lineage', async () => {
    const bad = one<string>(
      'SELECT id FROM candidates WHERE run_id = ? AND correct = 0 LIMIT 1',
      real.runs.llm,
    );
    expect(bad).toBeTruthy();
    const page = await open(1280, `/candidates/${bad}`);
    await expect(page.locator('h1 .badge').textContent()).resolves.toBe('incorrect');
    await page.goto(`${server.url}/runs/${real.runs.llm}`);
    const node = page.locator(`#lineage a.node[href="/candidates/${bad}"]`);
    await expect(node.getAttribute('class')).resolves.toMatch(/failed/);
    await expect(
      page.locator(`#lineage a.node[href="/candidates/${bad}"] + .meta .badge`).textContent(),
    ).resolves.toBe('incorrect');
    await expect(page.locator('#top-candidates .b-evaluated').count()).resolves.toBeGreaterThan(0);
    // And in the run's candidate table: its row's status says incorrect, not evaluated.
    await page.goto(`${server.url}/runs/${real.runs.llm}/candidates?per=100`);
    const row = page.locator('#candidate-table tbody tr', {
      has: page.locator(`a[href="/candidates/${bad}"]`),
    });
    await expect(row.locator('.badge').first().textContent()).resolves.toBe('incorrect');
    await expect(row.locator('.b-evaluated').count()).resolves.toBe(0);
    await page.close();
  });

  it('renders the transcript the proposer stores as readable system, user and assistant text', async () => {
    const stored = one<string>(
      "SELECT prompt_json FROM llm_calls WHERE run_id = ? AND status = 'ok' AND candidate_id IS NOT NULL LIMIT 1",
      real.runs.llm,
    );
    // The shape under test is the real one: {purpose, mode, request: {system, messages}, retries}.
    expect(Object.keys(JSON.parse(stored) as object).sort()).toEqual([
      'mode',
      'purpose',
      'request',
      'retries',
    ]);
    const cand = one<string>(
      "SELECT candidate_id FROM llm_calls WHERE run_id = ? AND status = 'ok' AND candidate_id IS NOT NULL LIMIT 1",
      real.runs.llm,
    );
    const page = await open(390, `/candidates/${cand}`);
    await page.locator('details.call summary').first().click();
    const call = page.locator('details.call').first();
    expect(((await call.locator('.msg-system pre').textContent()) ?? '').length).toBeGreaterThan(100);
    await expect(call.locator('.msg-user pre').textContent()).resolves.toContain('solution.py');
    await expect(call.locator('.msg-assistant pre').textContent()).resolves.toMatch(/A = \d/);
    await expect(call.locator('pre.json').count()).resolves.toBe(0);
    await expect(call.locator('.call-meta').textContent()).resolves.toMatch(/propose/);
    await expect(call.locator('summary').textContent()).resolves.toMatch(
      /in \/[\s\S]*out · \$[\d.]+ · \d+ ms/,
    );
    // Wrapped, not cut at the edge: the text box is no wider than the phone.
    const wide = await call.locator('.msg-user pre').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(wide).toBeLessThanOrEqual(1);
    await page.screenshot({ path: path.join(SHOTS, 'real-transcript-390.png'), fullPage: true });
    await page.close();
  });

  it('accepts a unique id prefix in the routes and the CLI, and lists the matches of an ambiguous one', async () => {
    const cand = one<string>(
      'SELECT id FROM candidates WHERE run_id = ? AND verified = 1 LIMIT 1',
      real.runs.llm,
    );
    const page = await open(1280, `/candidates/${cand.slice(0, 12)}`);
    expect(page.url()).toBe(`${server.url}/candidates/${cand}`);
    await page.goto(`${server.url}/runs/${real.runs.tune.slice(0, 10)}`);
    expect(page.url()).toBe(`${server.url}/runs/${real.runs.tune}`);
    await page.close();
    const amb = await fetch(`${server.url}/api/candidates/cand_`);
    expect(amb.status).toBe(400);
    expect(((await amb.json()) as { error: { message: string } }).error.message).toMatch(
      /ambiguous.*cand_\w+, cand_/,
    );
    expect(
      (await json<{ candidate: { id: string } }>(`/api/candidates/${cand.slice(0, 12)}`)).candidate.id,
    ).toBe(cand);

    const show = await real.cli(['show', cand.slice(0, 12)]);
    expect(show.code).toBe(0);
    expect(show.out).toContain(`candidate ${cand}`);
    const ambCli = await real.cli(['show', 'cand_']);
    expect(ambCli.code).toBe(2);
    expect(ambCli.err).toMatch(/ambiguous/);
    const out = path.join(path.dirname(real.dbFile), 'b.tar.gz');
    const exp = await real.cli(['export', cand.slice(0, 12), '-o', out]);
    expect(exp.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    // A problem as a folder, as `evolve` takes it, lists what the name lists.
    const byName = await real.cli(['best', 'knobs-web', '--json']);
    const byFolder = await real.cli(['best', real.problemDir, '--json']);
    expect(JSON.parse(byFolder.out)).toEqual(JSON.parse(byName.out));
    expect((JSON.parse(byName.out) as unknown[]).length).toBeGreaterThan(0);
  });

  it('leaderboard: strategy and proposer filters (the tuner too), applied on Enter, never on an arrow key', async () => {
    const page = await open(1280, '/?per=candidate');
    await expect(page.locator('select[name=proposer] option[value=tune]').count()).resolves.toBe(1);
    await expect(page.locator('table.leaderboard th[aria-sort="descending"]').count()).resolves.toBe(1);
    await expect(page.locator('table.leaderboard thead').textContent()).resolves.toMatch(/held-out score/);
    const url = page.url();
    await page.locator('select[name=proposer]').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(300);
    expect(page.url()).toBe(url);
    await page.selectOption('select[name=proposer]', 'tune');
    await page.locator('select[name=proposer]').press('Enter');
    await page.waitForURL(/proposer=tune/);
    const proposers = await page.locator('table.leaderboard tbody tr td:nth-child(5)').allTextContents();
    expect(proposers.length).toBeGreaterThan(0);
    for (const p of proposers) expect(p.trim()).toBe('tune');
    await page.close();
  });

  it('a run has a sortable, paginated candidate table linking to each candidate', async () => {
    const page = await open(1280, `/runs/${real.runs.tune}/candidates?per=3`);
    await expect(page.locator('#candidate-table tbody tr').count()).resolves.toBe(3);
    await expect(page.locator('nav.pager a[rel=next]').count()).resolves.toBe(2);
    await page.locator('#candidate-table th a', { hasText: 'screen score' }).click();
    await page.waitForURL(/sort=score/);
    await expect(page.locator('#candidate-table th[aria-sort=ascending]').textContent()).resolves.toMatch(
      /screen/,
    );
    // Ascending: unscored candidates (–) first, as SQLite orders nulls, then the scores in order.
    const cells = await page.locator('#candidate-table tbody tr td:nth-child(5)').allTextContents();
    const scores = cells.map((t) => (t.trim() === '–' ? -Infinity : Number(t)));
    expect(scores.some(Number.isNaN)).toBe(false);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    const heads = (await page.locator('#candidate-table thead th').allTextContents()).map((t) =>
      t.replace(/[\s▲▼]+/g, ' ').trim(),
    );
    for (const h of ['iteration', 'island', 'status', 'screen score', 'verified speedup [CI]', 'edit'])
      expect(heads).toContain(h);
    await page.locator('#candidate-table tbody tr a.cand').first().click();
    await page.waitForURL(/\/candidates\/cand_/);
    // Chart points link to candidates too.
    await page.goto(`${server.url}/runs/${real.runs.tune}`);
    const href = await page.locator('#score-chart a').first().getAttribute('href');
    expect(href).toMatch(/^\/candidates\/cand_\w+$/);
    await page.close();
  });

  it('shows verification progress and events of any type on the run page', async () => {
    const cand = one<string>(
      'SELECT id FROM candidates WHERE run_id = ? ORDER BY iteration DESC LIMIT 1',
      real.runs.llm,
    );
    store.appendEvent(real.runs.llm, 'verify:progress', {
      runId: real.runs.llm,
      candidateId: cand,
      pair: 7,
      maxPairs: 30,
      interval: [1.2, 1.6],
      speedup: 1.4,
    });
    store.appendEvent(real.runs.llm, 'job:requeued', {
      runId: real.runs.llm,
      jobId: '4242',
      reason: 'node lost',
    });
    const page = await open(1280, `/runs/${real.runs.llm}`);
    await expect(page.locator('#verify-progress').textContent()).resolves.toMatch(
      /pair\s+7 of\s+30[\s\S]*1\.4×/,
    );
    await expect(page.locator('#recent-events li[data-type="job:requeued"]').textContent()).resolves.toMatch(
      /jobId=4242/,
    );
    await page.close();
  });

  it('headlines the verified best with its speedup and interval, or its held-out score where none was timed', async () => {
    for (const runId of Object.values(real.runs)) {
      const v = (await json<RunSummary>(`/api/runs/${runId}`)).verifiedBest;
      const page = await open(390, `/runs/${runId}`);
      const head = (await page.locator('#verified-best').textContent()) ?? '';
      if (!v) expect(head).toMatch(/none yet/);
      else if (v.speedup !== null) {
        expect(head).toMatch(/\d[\d.]*×/);
        if (v.ciLow !== null) expect(head).toMatch(/\[[\d.]+, [\d.]+\]/);
      } else {
        // The knob problem is scored, not timed: the held-out score is the headline, never a made-up speedup.
        expect(head).toMatch(new RegExp(`held-out score\\s+${String(v.heldOutScore)}`));
        expect(head).not.toContain('×');
      }
      await page.close();
    }
  });

  it('labels the MAP-Elites axes with the feature names, inside the drawing, and links every cell', async () => {
    const page = await open(390, `/runs/${real.runs.llm}`);
    const grids = page.locator('svg.grid-map');
    expect(await grids.count()).toBeGreaterThan(0);
    for (let g = 0; g < (await grids.count()); g++) {
      const grid = grids.nth(g);
      const labels = (await grid.locator('text.axis-label').allTextContents()).map((t) => t.trim());
      expect(labels).toEqual(['complexity →', 'diversity →']);
      // Not clipped: each label lies within its SVG's box (a one-column grid once cut them to a few letters).
      const box = (await grid.boundingBox())!;
      for (const t of await grid.locator('text.axis-label').all()) {
        const b = (await t.boundingBox())!;
        expect(b.x).toBeGreaterThanOrEqual(box.x - 0.5);
        expect(b.y).toBeGreaterThanOrEqual(box.y - 0.5);
        expect(b.x + b.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
        expect(b.y + b.height).toBeLessThanOrEqual(box.y + box.height + 0.5);
      }
      const cells = grid.locator('rect.cell');
      await expect(grid.locator('a > rect.cell').count()).resolves.toBe(await cells.count());
    }
    const href = (await grids.first().locator('a').first().getAttribute('href'))!;
    expect(href).toMatch(/^\/candidates\/cand_\w+$/);
    await grids.first().locator('a').first().click();
    await page.waitForURL(`**${href}`);
    await expect(page.locator('h1').textContent()).resolves.toContain(href.split('/').at(-1)!);
    await page.close();
  });

  it('leaderboard: a strategy column and menu (evolve, best-of-n), applied on Enter', async () => {
    const page = await open(1280, '/?per=candidate');
    const strategies = await page.locator('select[name=strategy] option').allTextContents();
    expect(strategies).toEqual(expect.arrayContaining(['best-of-n', 'evolve']));
    await expect(page.locator('table.leaderboard thead th:nth-child(4)').textContent()).resolves.toBe(
      'strategy',
    );
    await page.selectOption('select[name=strategy]', 'best-of-n');
    await page.locator('select[name=strategy]').press('Enter');
    await page.waitForURL(/strategy=best-of-n/);
    const cells = await page.locator('table.leaderboard tbody tr td:nth-child(4)').allTextContents();
    expect(cells.length).toBe(
      one<number>(
        "SELECT COUNT(*) FROM candidates c JOIN runs r ON r.id = c.run_id WHERE c.verified = 1 AND r.strategy = 'best-of-n'",
      ),
    );
    for (const c of cells) expect(c.trim()).toBe('best-of-n');
    await page.close();
  });

  it('shows the Pareto front of a two-objective run: the front drawn apart, each point a link, no page scroll', async () => {
    const api = await json<RunSummary>(`/api/runs/${real.paretoRun}`);
    const pareto = api.pareto!;
    expect(pareto.objectives.map((o) => o.name)).toEqual(['quality', 'time_s']);
    const front = pareto.points.filter((p) => p.onFront);
    expect(front.length).toBeGreaterThan(0);
    expect(front.length).toBeLessThan(pareto.points.length); // the seed (B = 2) at least is dominated
    for (const w of WIDTHS) {
      const page = await open(w.width, `/runs/${real.paretoRun}`);
      const chart = page.locator('svg#pareto-chart');
      await expect(chart.getAttribute('data-front')).resolves.toBe(String(front.length));
      await expect(chart.locator('circle.pareto-front').count()).resolves.toBe(front.length);
      await expect(chart.locator('a > circle').count()).resolves.toBe(pareto.points.length);
      const hrefs = await chart
        .locator('a:has(circle.pareto-front)')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(hrefs.sort()).toEqual(front.map((p) => `/candidates/${p.candidateId}`).sort());
      await expect(chart.locator('text.label').allTextContents()).resolves.toEqual([
        expect.stringMatching(/quality ↑/),
        expect.stringMatching(/time_s ↓/),
      ]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(w.width);
      await page.screenshot({ path: path.join(SHOTS, `real-${w.name}-pareto-run.png`), fullPage: true });
      await page.close();
    }
  });

  it('draws the lineage as an SVG graph, the path to the verified best highlighted, every node a link', async () => {
    const runId = real.runs.llm;
    const api = await json<RunSummary>(`/api/runs/${runId}`);
    const best = api.verifiedBest!.candidateId;
    expect(api.lineage.pathTo).toBe(best);
    expect(api.lineage.path.at(-1)).toBe(best);
    // The path is a chain of parents from a parentless seed (short runs are never cut).
    const parent = new Map(api.lineage.nodes.map((n) => [n.id, n.parent_id]));
    expect(parent.get(api.lineage.path[0]!)).toBeNull();
    for (let i = 1; i < api.lineage.path.length; i++)
      expect(parent.get(api.lineage.path[i]!)).toBe(api.lineage.path[i - 1]);
    const page = await open(1280, `/runs/${runId}`);
    const graph = page.locator('svg#lineage-graph');
    const drawn = api.lineage.nodes.filter((n) => n.iteration !== null).length;
    await expect(graph.locator('a.gnode-link').count()).resolves.toBe(drawn);
    await expect(graph.locator('circle.gnode.best').count()).resolves.toBe(1);
    await expect(graph.locator('a.gnode-link:has(circle.best)').getAttribute('href')).resolves.toBe(
      `/candidates/${best}`,
    );
    await expect(graph.locator('line.edge.path').count()).resolves.toBe(api.lineage.path.length - 1);
    // An incorrect or failed candidate is drawn as such in the graph too.
    const bad = one<string | undefined>(
      "SELECT id FROM candidates WHERE run_id = ? AND (status IN ('failed', 'refused') OR (status = 'evaluated' AND correct = 0)) LIMIT 1",
      runId,
    );
    if (bad)
      await expect(
        graph.locator(`a.gnode-link[data-id="${bad}"] circle`).getAttribute('class'),
      ).resolves.toMatch(/st-(failed|refused|incorrect)/);
    await graph.locator(`a.gnode-link[data-id="${best}"]`).click();
    await page.waitForURL(`**/candidates/${best}`);
    await page.close();
  });

  it('compares runs of a problem: verified best against iterations and against dollars, filtered on Enter', async () => {
    const problem = one<string>('SELECT problem_name FROM runs WHERE id = ?', real.runs.llm);
    const c = await json<Compare>(`/api/problems/${problem}/compare`);
    expect(c.runs.map((r) => r.id).sort()).toEqual(
      (
        store.db.prepare('SELECT id FROM runs WHERE problem_name = ?').pluck().all(problem) as string[]
      ).sort(),
    );
    for (const r of c.runs) {
      const summary = await json<RunSummary>(`/api/runs/${r.id}`);
      // One rule: the line ends at the run's verified best.
      expect(r.steps.at(-1)?.candidateId ?? null).toBe(summary.verifiedBest?.candidateId ?? null);
      for (let i = 1; i < r.steps.length; i++) {
        expect(r.steps[i]!.iteration).toBeGreaterThanOrEqual(r.steps[i - 1]!.iteration);
        expect(r.steps[i]!.usd).toBeGreaterThanOrEqual(r.steps[i - 1]!.usd);
      }
      for (const s of r.steps) expect(s.usd).toBeLessThanOrEqual(r.spentUsd + 1e-9);
    }
    const withLines = c.runs.filter((r) => r.steps.length > 0).length;
    expect(withLines).toBeGreaterThanOrEqual(2);
    const page = await open(1280, `/problems/${problem}`);
    await page.locator('#compare-link').click();
    await page.waitForURL(`**/problems/${problem}/compare`);
    for (const id of ['#compare-iterations', '#compare-dollars'])
      await expect(page.locator(id).getAttribute('data-lines')).resolves.toBe(String(withLines));
    await page.screenshot({ path: path.join(SHOTS, 'real-compare.png'), fullPage: true });
    const input = page.locator('#compare-runs input[name=runs]');
    await input.fill(real.runs.llm);
    await input.press('Enter');
    await page.waitForURL(/runs=/);
    await expect(page.locator('#compare-iterations').getAttribute('data-lines')).resolves.toBe('1');
    await expect(page.locator('#compare-legend li').count()).resolves.toBe(1);
    await page.close();
  });

  it('shows the LLM cost of a run per model and over time, equal to the stored calls', async () => {
    const runId = real.runs.llm;
    const cost = await json<RunCost>(`/api/runs/${runId}/cost`);
    const direct = store.db
      .prepare('SELECT COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS usd FROM llm_calls WHERE run_id = ?')
      .get(runId) as { n: number; usd: number };
    expect(direct.n).toBeGreaterThan(0);
    expect(cost.total.calls).toBe(direct.n);
    expect(cost.total.cost).toBeCloseTo(direct.usd, 9);
    expect(cost.byModel.reduce((a, m) => a + m.calls, 0)).toBe(direct.n);
    expect(cost.overTime.at(-1)![2]).toBeCloseTo(direct.usd, 9);
    const page = await open(1280, `/runs/${runId}`);
    await page.locator('#run-cost-link').click();
    await page.waitForURL(`**/runs/${runId}/cost`);
    await expect(page.locator('#cost-by-model').getAttribute('data-bars')).resolves.toBe(
      String(cost.byModel.length),
    );
    await expect(page.locator('#cost-over-time').getAttribute('data-buckets')).resolves.toBe(
      String(cost.overTime.length),
    );
    await expect(page.locator('#cost-table tbody tr').count()).resolves.toBe(cost.byModel.length);
    await page.close();
  });

  it('follows the system dark mode on the new pages', async () => {
    const problem = one<string>('SELECT problem_name FROM runs WHERE id = ?', real.runs.llm);
    for (const u of [
      `/problems/${problem}/compare`,
      `/runs/${real.runs.llm}/cost`,
      `/runs/${real.runs.llm}`,
    ]) {
      const page = await browser.newPage({ viewport: { width: 390, height: 900 }, colorScheme: 'dark' });
      await page.goto(server.url + u);
      await expect(page.evaluate(() => getComputedStyle(document.body).backgroundColor)).resolves.toBe(
        'rgb(11, 18, 32)',
      );
      await page.screenshot({
        path: path.join(SHOTS, `real-dark-${shotName(u)}.png`),
        fullPage: true,
      });
      await page.close();
    }
  });

  for (const w of WIDTHS)
    it(`lays out every page within ${w.width} px (no page-wide horizontal scroll), legible charts`, async () => {
      const cand = one<string>(
        'SELECT id FROM candidates WHERE run_id = ? AND verified = 1 LIMIT 1',
        real.runs.llm,
      );
      const urls = [
        '/',
        '/runs',
        `/runs/${real.runs.llm}`,
        `/runs/${real.runs.tune}/candidates`,
        `/candidates/${cand}`,
        '/problems/knobs-web',
        '/problems/knobs-web/compare',
        `/runs/${real.runs.llm}/cost`,
      ];
      const page = await open(w.width, '/');
      for (const u of urls) {
        await page.goto(server.url + u);
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scroll, u).toBeLessThanOrEqual(w.width);
        await page.screenshot({
          path: path.join(SHOTS, `real-${w.name}-${shotName(u)}.png`),
          fullPage: true,
        });
      }
      await page.goto(`${server.url}/runs/${real.runs.llm}`);
      const tick = await page
        .locator('#score-chart text.tick')
        .first()
        .evaluate((el) => el.getBoundingClientRect().height);
      expect(tick).toBeGreaterThanOrEqual(9);
      await page.close();
      expect(errors).toEqual([]);
    });
});
