// The red-team routes against the local sandbox: no hostile candidate is judged correct, forges a result or reaches the trusted side.
import { afterAll, describe, expect, it } from 'vitest';
import { LocalSandbox } from '../../sandboxes/local/local-sandbox.js';
import { probeIsolation } from '../../sandboxes/local/isolation-probe.js';
import { trustDomainsIn } from '../../sandboxes/local/run-isolated.js';
import { CASES, CONTROLLED, cleanupRedteam, outcomeText, runCase } from './redteam-cases.js';

const isolation = await probeIsolation();
const separated = trustDomainsIn(isolation);
if (!separated)
  console.warn(
    `\n*** redteam-local: SKIPPED: no trust domains here (${isolation.warnings.join('; ')}); run as root with unshare and python3 ***\n`,
  );
const sandbox = new LocalSandbox();
afterAll(async () => {
  await sandbox.dispose();
  cleanupRedteam();
});

describe.runIf(separated || process.env.CI === 'true')('red team, local sandbox', () => {
  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const outcome = await runCase(sandbox, c);
      const text = outcomeText(outcome);
      console.log(
        `[redteam local] ${c.file}: ${outcome.status}: ${('result' in outcome ? outcome.result.feedback : outcome.reason).split('\n')[0]}`,
      );
      expect(c.expect(outcome, text), text.slice(0, 2000)).toBeUndefined();
    },
    240_000,
  );
});

// The control: with `trust_domains: false` the same evaluators import the real program, and every one of these
// routes beats them. So the cases above test the wall, not a candidate that would have failed anyway.
describe.runIf(separated || process.env.CI === 'true')(
  'red team control: the routes win without trust domains',
  () => {
    it.each(CASES.filter(CONTROLLED).map((c) => [c.name, c] as const))(
      '%s',
      async (_name, c) => {
        const outcome = await runCase(sandbox, c, undefined, true);
        const text = outcomeText(outcome);
        console.log(`[redteam control] ${c.file}: ${outcome.status}`);
        expect(c.expect(outcome, text), text.slice(0, 2000)).toBeDefined();
      },
      240_000,
    );
  },
);
