// The SWE-fficiency instance row (Hugging Face `swefficiency/swefficiency`), prediction and workload lines, as zod schemas.
import { z } from 'zod';

/** A list of strings, also when a table stores it as a JSON string (as SWE-bench-style Parquet files do). */
const stringList = z.preprocess((v) => {
  if (typeof v !== 'string') return v ?? [];
  const text = v.trim();
  if (text === '') return [];
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return v;
  }
}, z.array(z.string()));

const text = z.preprocess((v) => v ?? '', z.string());

export const instanceSchema = z.looseObject({
  instance_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"'),
  repo: z.string().min(1),
  base_commit: z.string().regex(/^[0-9a-f]{7,40}$/, 'a git commit hash'),
  patch: text,
  test_patch: text,
  problem_statement: text,
  hints_text: text,
  created_at: text,
  version: z.preprocess(
    (v) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)),
    z.string(),
  ),
  environment_setup_commit: text,
  FAIL_TO_PASS: stringList,
  PASS_TO_PASS: stringList,
  covering_tests: stringList,
  single_thread_tests: stringList,
  workload: z.string().min(1),
  /** Gold speedup; 0 until filled in. */
  speedup: z.preprocess((v) => (v === null || v === undefined ? 0 : Number(v)), z.number().nonnegative()),
  test_cmd: text,
  rebuild_cmd: text,
  image_name: text,
});

export type SweInstance = z.infer<typeof instanceSchema>;

export const predictionSchema = z.object({
  instance_id: z.string().min(1),
  model_patch: z.preprocess((v) => v ?? '', z.string()),
  model_name_or_path: z.string().min(1),
});

export type SwePrediction = z.infer<typeof predictionSchema>;

/** A line of workloads.jsonl (the paper's synthetic-workload experiment); some lines carry no workload. */
export const workloadLineSchema = z.object({
  instance_id: z.string().min(1),
  run_id: z.string().optional(),
  workload: z.string().nullable(),
});

export type SweWorkloadLine = z.infer<typeof workloadLineSchema>;
