// Loads SWE-fficiency instances, predictions and workload lines from files, validated; errors name file, row and field.
import type { z } from 'zod';
import { InputError, NotFoundError } from '../../../core/errors.js';
import {
  instanceSchema,
  predictionSchema,
  workloadLineSchema,
  type SweInstance,
  type SwePrediction,
  type SweWorkloadLine,
} from './instance-schema.js';
import { readJsonl, readRows, type Row } from './read-rows.js';

function parseAll<T>(file: string, rows: Row[], schema: z.ZodType<T>, what: string): T[] {
  return rows.map(({ at, value }) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(row)';
    throw new InputError(`${file}: row ${at}: field "${field}": ${issue?.message ?? 'invalid'} (${what})`);
  });
}

function noDuplicates<T extends { instance_id: string }>(file: string, items: T[]): T[] {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.instance_id))
      throw new InputError(
        `${file}: instance_id "${item.instance_id}" appears twice (keep one row per instance)`,
      );
    seen.add(item.instance_id);
  }
  return items;
}

/** Instances of a dataset file (.jsonl, .json or .parquet). */
export async function loadDataset(file: string): Promise<SweInstance[]> {
  const rows = await readRows(file);
  return noDuplicates(file, parseAll(file, rows, instanceSchema, 'see the SWE-fficiency instance schema'));
}

/** One instance by id. */
export function findInstance(instances: SweInstance[], id: string, file: string): SweInstance {
  const hit = instances.find((i) => i.instance_id === id);
  if (!hit) {
    const some = instances.slice(0, 5).map((i) => i.instance_id);
    throw new NotFoundError(
      `instance "${id}" is not in ${file} (${instances.length} instances, e.g. ${some.join(', ')}; see \`adrs swefficiency list\`)`,
    );
  }
  return hit;
}

/** A predictions file: {instance_id, model_patch, model_name_or_path} per line (JSONL) or a JSON array. */
export async function loadPredictions(file: string): Promise<SwePrediction[]> {
  const rows = await readRows(file);
  return noDuplicates(
    file,
    parseAll(
      file,
      rows,
      predictionSchema,
      'a prediction needs instance_id, model_patch and model_name_or_path',
    ),
  );
}

/** workloads.jsonl: {instance_id, run_id, workload} per line. */
export function loadWorkloadLines(file: string): SweWorkloadLine[] {
  return parseAll(file, readJsonl(file), workloadLineSchema, 'a line needs instance_id and workload');
}
