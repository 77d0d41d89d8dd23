// The web pages in headless Chromium (Debian's /usr/bin/chromium via playwright-core): navigation, diffs,
// a live run chart fed by server-sent events, and LLM-written <script> staying inert.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../web/src/app.js';
import { appendIteration, listen, seedDb, type SeededDb } from './helpers/seed-db.js';

const CHROMIUM = process.env.ADRS_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const SHOTS = path.resolve('test-results', 'screenshots');

if (!available) {
  const msg = `\n!!! web.browser.test.ts: ${CHROMIUM} not found: browser tests SKIPPED (install it with .ci/chromium.sh)\n`;
  if (process.env.CI === 'true') throw new Error(msg + 'CI=true: failing instead of skipping');
  console.warn(msg);
}

describe.skipIf(!available)('web pages in Chromium', () => {
  let browser: Browser;
  let db: SeededDb;
  let server: { url: string; close(): Promise<void> };
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    db = seedDb();
    server = await listen(createApp({ store: db.store, pollMs: 100 }));
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors.length = 0;
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  });
  afterEach(async () => {
    await page.close();
    await server.close();
    db.cleanup();
  });

  it('opens the leaderboard, filters it, and clicks through to a candidate and its diff', async () => {
    await page.goto(server.url + '/');
    await expect(page.locator('h1').textContent()).resolves.toBe('Leaderboard');
    const matmul = page.locator('section.problem', { has: page.locator('h2 a', { hasText: 'matmul-cpu' }) });
    await expect(matmul.locator('tbody tr').count()).resolves.toBe(2);
    await page.screenshot({ path: path.join(SHOTS, 'leaderboard.png'), fullPage: true });

    await page.selectOption('select[name=hardware]', 'NVIDIA H100');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/hardware=NVIDIA/);
    await expect(page.locator('section.problem tbody tr').count()).resolves.toBe(1);
    await page.goto(server.url + '/');

    await matmul.locator(`a.cand[href="/candidates/${db.candidates.best}"]`).click();
    await page.waitForURL(`**/candidates/${db.candidates.best}`);
    const added = page.locator('pre.diff .d-add', { hasText: 'import numpy as np' });
    await expect(added.first().isVisible()).resolves.toBe(true);
    await expect(
      page.locator('pre.diff .d-del', { hasText: 'bt = list(zip(*b))' }).count(),
    ).resolves.toBeGreaterThan(0);
    await expect(page.locator('#samples-plot circle.sample.s-baseline').count()).resolves.toBe(10);
    await page.screenshot({ path: path.join(SHOTS, 'candidate.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('updates a running run page as the store gets new candidates and events', async () => {
    await page.goto(`${server.url}/runs/${db.runs.running}`);
    await expect(page.locator('#live-indicator').isVisible()).resolves.toBe(true);
    const points = (): Promise<number> =>
      page.locator('#score-chart').evaluate((el) => Number(el.getAttribute('data-points')));
    const before = await points();
    expect(before).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'run-live-before.png'), fullPage: true });

    let parent = db.candidates.runningBest;
    for (let i = 2; i <= 6; i++)
      parent = appendIteration(db.store, db.runs.running, {
        parentId: parent,
        iteration: i,
        score: 2.4 + i / 10,
      });
    await page.waitForFunction(
      (n) => Number(document.getElementById('score-chart')?.getAttribute('data-points')) > n,
      before,
      { timeout: 20_000 },
    );
    expect(await points()).toBeGreaterThan(before);
    await expect(page.locator('#score-chart').getAttribute('data-best')).resolves.toBe('3');
    await expect(page.locator('#lineage .node').count()).resolves.toBe(7);
    await expect(page.locator('body').getAttribute('data-last-event')).resolves.toBe('candidate:evaluated');
    await page.screenshot({ path: path.join(SHOTS, 'run-live-after.png'), fullPage: true });

    await page.goto(`${server.url}/runs/${db.runs.finished}`);
    await page.screenshot({ path: path.join(SHOTS, 'run-finished.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('marks a statistical tie on the leaderboard, and headlines a timed verified best with its interval', async () => {
    // v1 re-verified at 1.75x [1.55, 1.95]: its interval overlaps the best's 1.8x [1.6, 2.0] just above it.
    db.store.insertVerdict({
      candidateId: db.candidates.v1,
      baselineCandidateId: db.candidates.seed,
      verified: true,
      correct: true,
      speedup: 1.75,
      ciLow: 1.55,
      ciHigh: 1.95,
      confidence: 0.95,
      method: 'bootstrap-ratio-of-medians',
      score: 1.75,
      reason: 'CI clears 1.01',
      fingerprint: { sandbox: 'local', cpu: 'AMD EPYC 7763' },
    });
    await page.goto(`${server.url}/?per=candidate&problem=matmul-cpu`);
    const rows = page.locator('table.leaderboard tbody tr');
    const cand = async (i: number) => rows.nth(i).locator('a.cand').getAttribute('href');
    await expect(cand(1)).resolves.toBe(`/candidates/${db.candidates.best}`);
    await expect(cand(2)).resolves.toBe(`/candidates/${db.candidates.v1}`);
    // The tie shares the rank above and says so; the entries above it, whose intervals are apart, do not.
    await expect(rows.nth(2).locator('.b-tie').count()).resolves.toBe(1);
    await expect(rows.nth(2).locator('td').first().textContent()).resolves.toMatch(/^\s*2\s+tie\s*$/);
    await expect(rows.nth(1).locator('.b-tie').count()).resolves.toBe(0);
    await expect(rows.nth(0).locator('.b-tie').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'leaderboard-tie.png'), fullPage: true });

    await page.goto(`${server.url}/runs/${db.runs.finished}`);
    const head = page.locator('#verified-best');
    await expect(head.getAttribute('data-candidate')).resolves.toBe(db.candidates.best);
    await expect(head.locator('.v').textContent()).resolves.toMatch(/1\.8×\s*\[1\.6, 2\]/);
    await expect(head.locator('.sub').textContent()).resolves.toMatch(/95% interval/);
    expect(errors).toEqual([]);
  });

  it('keeps a <script> written by the model inert and visible as text', async () => {
    for (const p of [`/candidates/${db.candidates.xss}`, '/?per=candidate', `/runs/${db.runs.finished}`]) {
      await page.goto(server.url + p);
      await page.waitForLoadState('load');
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), p).toBeUndefined();
    }
    await page.goto(`${server.url}/candidates/${db.candidates.xss}`);
    await page
      .locator('details.call')
      .first()
      .evaluate((el) => el.setAttribute('open', ''));
    await expect(page.getByText('window.pwned = 1</script>').first().isVisible()).resolves.toBe(true);
    await expect(page.locator('main script').count()).resolves.toBe(0);
    await expect(page.locator('main img').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'candidate-xss.png'), fullPage: true });
    await page.goto(`${server.url}/problems/matmul-cpu`);
    await page.screenshot({ path: path.join(SHOTS, 'problem.png'), fullPage: true });
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });
});
