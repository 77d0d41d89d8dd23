// Which templates a prompt uses: the run's (ctx.templates), else the problem's (problem.yaml `prompts`), else the defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../core/errors.js';
import type { LoadedProblem } from '../../problems/src/load.js';
import { DEFAULT_SYSTEM_TEMPLATE, DEFAULT_USER_TEMPLATE } from './templates.js';

export interface Templates {
  system: string;
  user: string;
}

function readTemplate(problem: LoadedProblem, field: 'system' | 'user'): string | undefined {
  const rel = problem.spec.prompts[field];
  if (rel === undefined) return undefined;
  const file = path.resolve(problem.dir, rel);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(
      `${path.join(problem.dir, 'problem.yaml')}: field "prompts.${field}": cannot read ${rel} (${(error as NodeJS.ErrnoException).code ?? 'error'}; fix the path)`,
      { cause: error },
    );
  }
}

/** Template text per role. `override` holds template text (not paths), e.g. from the run config. */
export function resolveTemplates(
  problem: LoadedProblem,
  override?: { system?: string; user?: string },
): Templates {
  return {
    system: override?.system ?? readTemplate(problem, 'system') ?? DEFAULT_SYSTEM_TEMPLATE,
    user: override?.user ?? readTemplate(problem, 'user') ?? DEFAULT_USER_TEMPLATE,
  };
}
