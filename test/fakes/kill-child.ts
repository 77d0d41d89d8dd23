// A long run over fakes for the SIGKILL test: `node --import tsx kill-child.ts DB LOG`. Before every save
// commits, it appends a hash of the population and state being saved to LOG, so the test can check that
// what resume rebuilds is exactly one of the last saves.
import { appendFileSync } from 'node:fs';
import { evolve } from '../../orchestrator/loop/index.js';
import { Store } from '../../orchestrator/store/store.js';
import { fakeEvolve, killConfig, stateHash } from './fake-loop.js';
import { scriptedProposer } from './scripted-proposer.js';

const [db, log] = process.argv.slice(2);
if (!db || !log) throw new Error('usage: kill-child.ts DB LOG');
const store = Store.open(db);
await evolve(
  fakeEvolve(store, scriptedProposer(['better', 'same', 'same', 'crash', 'same', 'fail']), {
    config: killConfig,
    // Set by the test for the later rounds: resume the run it killed before.
    resumeRunId: process.env.ADRS_KILL_RESUME || undefined,
    onSave: (population, state) => appendFileSync(log, stateHash(population, state) + '\n'),
  }),
);
