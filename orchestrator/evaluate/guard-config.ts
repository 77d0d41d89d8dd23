// The static guard's settings for a problem (problem.yaml `guard`), with rule names checked against the known rules.
import { InputError } from '../../core/errors.js';
import { RULE_IDS } from '../../evaluators/guard/rules.js';
import type { GuardConfig } from '../../evaluators/guard/types.js';
import type { LoadedProblem } from '../../problems/src/load.js';

export function guardConfigOf(problem: LoadedProblem): GuardConfig {
  const { guard } = problem.spec;
  for (const field of ['allow', 'deny'] as const) {
    for (const [i, rule] of guard[field].entries()) {
      if (!RULE_IDS.includes(rule)) {
        throw new InputError(
          `${problem.dir}/problem.yaml: field "guard.${field}.${i}": unknown rule "${rule}" (use one of: ${RULE_IDS.join(', ')})`,
        );
      }
    }
  }
  return { enabled: guard.enabled, allow: guard.allow, deny: guard.deny };
}
