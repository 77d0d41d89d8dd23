// Reads a job file the coordinator wrote (evaluation or verification), checked against its schema with a one-line error.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { InputError } from '../../../core/errors.js';
import { describeIssue } from '../../../problems/src/load.js';

export function readJobFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(
      `--job ${file}: cannot read the job file: ${(error as Error).message.split('\n')[0]} (give a job file the coordinator wrote)`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InputError(describeIssue(file, parsed.error));
  return parsed.data;
}
