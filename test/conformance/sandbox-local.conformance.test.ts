// The shared sandbox conformance cases against the local sandbox (needs root, unshare and python3 for trust domains).
import { describe } from 'vitest';
import { LocalSandbox } from '../../sandboxes/local/local-sandbox.js';
import { probeIsolation } from '../../sandboxes/local/isolation-probe.js';
import { trustDomainsIn } from '../../sandboxes/local/run-isolated.js';
import { conformanceCases } from './sandbox-cases.js';

const isolation = await probeIsolation();
const ready = trustDomainsIn(isolation);
if (!ready)
  console.warn(`\n*** sandbox conformance (local): SKIPPED: ${isolation.warnings.join('; ')} ***\n`);

describe.runIf(ready || process.env.CI === 'true')('sandbox conformance: local', () => {
  conformanceCases({ make: () => new LocalSandbox(), candidateUid: 65534 });
});
