// The red-team routes against the SWE-fficiency harness (fixture instance 1) in the local sandbox: none ends correct.
import { afterAll, describe } from 'vitest';
import { probeIsolation } from '../../sandboxes/local/isolation-probe.js';
import { LocalSandbox } from '../../sandboxes/local/local-sandbox.js';
import { trustDomainsIn } from '../../sandboxes/local/run-isolated.js';
import { missingPython } from '../fixtures/swe/fixture.js';
import { sweRedteamCases } from './redteam-swe-cases.js';

const isolation = await probeIsolation();
const separated = trustDomainsIn(isolation);
const absent = missingPython();
if (!separated || absent)
  console.warn(
    `\n*** redteam-swe: SKIPPED: ${absent ?? `no trust domains here (${isolation.warnings.join('; ')}); run as root with unshare and python3`} ***\n`,
  );
const sandbox = new LocalSandbox();
afterAll(() => sandbox.dispose());

describe.runIf((separated && !absent) || process.env.CI === 'true')(
  'red team, SWE harness, local sandbox',
  () => {
    sweRedteamCases(sandbox, 'local');
  },
);
