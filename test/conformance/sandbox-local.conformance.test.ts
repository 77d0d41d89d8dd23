// The shared sandbox conformance cases against the local sandbox. Without root or namespaces (a newcomer's
// machine) the cases that need them skip loudly; with CI=true they fail instead.
import { describe, expect } from 'vitest';
import { LocalSandbox } from '../../sandboxes/local/local-sandbox.js';
import { NO_NAMESPACE_WARNING, probeIsolation } from '../../sandboxes/local/isolation-probe.js';
import { trustDomainsIn } from '../../sandboxes/local/run-isolated.js';
import { isSessionUid } from '../../sandboxes/local/session-uid.js';
import { describeSurvivors, killSurvivors } from '../helpers/processes.js';
import { conformanceCases } from './sandbox-cases.js';

const isolation = await probeIsolation();
const notRoot = isolation.warnings.find((w) => w.startsWith('not running as root'));

describe('sandbox conformance: local', () => {
  conformanceCases({
    kind: 'local',
    make: () => new LocalSandbox(),
    isCandidateUid: (uid) => (isolation.root ? isSessionUid(uid) : uid === isolation.uid),
    lacks: {
      ...(trustDomainsIn(isolation) ? {} : { trustDomains: isolation.warnings.join('; ') || 'no warden' }),
      ...(isolation.unshare ? {} : { network: NO_NAMESPACE_WARNING }),
      ...(notRoot === undefined ? {} : { sandboxUser: notRoot }),
    },
    reportsMemoryKill: false,
    baseEnv: (session) => ({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: session.workspace }),
    // Every process of an exec carries the marker; none may outlive the exec (or the session's close).
    nothingLeft: (_session, _sandbox, marker) => expect(describeSurvivors(marker)).toEqual([]),
    afterEach: (_sandbox, marker) => killSurvivors(marker),
  });
});
