// Reads the rows of a JSONL, JSON (array, or {instances|data|rows: [...]}) or Parquet file as plain objects.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { InputError, NotFoundError } from '../../../core/errors.js';

export interface Row {
  /** 1-based line (JSONL) or row number, for error messages. */
  at: number;
  value: unknown;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new NotFoundError(`${file}: no such file (give the dataset, predictions or workloads file)`);
    throw new InputError(`${file}: cannot read: ${(error as Error).message}`);
  }
}

export function readJsonl(file: string): Row[] {
  const rows: Row[] = [];
  readText(file)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        rows.push({ at: i + 1, value: JSON.parse(line) as unknown });
      } catch (error) {
        throw new InputError(
          `${file}:${i + 1}: not JSON: ${(error as Error).message} (one JSON object a line)`,
        );
      }
    });
  return rows;
}

function readJson(file: string): Row[] {
  let data: unknown;
  try {
    data = JSON.parse(readText(file));
  } catch (error) {
    if (error instanceof NotFoundError) throw error;
    throw new InputError(`${file}: not JSON: ${(error as Error).message}`);
  }
  const list: unknown = Array.isArray(data)
    ? data
    : ['instances', 'data', 'rows'].map((k) => (data as Record<string, unknown>)?.[k]).find(Array.isArray);
  if (!Array.isArray(list))
    throw new InputError(`${file}: expected a JSON array of rows (or an object with an "instances" array)`);
  return list.map((value: unknown, i) => ({ at: i + 1, value }));
}

async function readParquet(file: string): Promise<Row[]> {
  readText(file); // existence and permission errors in our words
  const buffer = await asyncBufferFromFile(file);
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({ file: buffer });
  } catch (error) {
    throw new InputError(`${file}: not a readable Parquet file: ${(error as Error).message}`);
  }
  return rows.map((value, i) => ({ at: i + 1, value: plain(value) }));
}

/** BigInt cells (INT64) become numbers so zod and JSON see ordinary values. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Rows of a data file, by extension: .jsonl/.ndjson, .json, .parquet. */
export async function readRows(file: string): Promise<Row[]> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet') return readParquet(file);
  if (ext === '.json') return readJson(file);
  if (ext === '.jsonl' || ext === '.ndjson') return readJsonl(file);
  throw new InputError(`${file}: unknown format "${ext}" (use .jsonl, .json or .parquet)`);
}
