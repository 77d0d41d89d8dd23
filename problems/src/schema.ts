// problem.yaml, validated with zod: the contract of a problem package (see README, "Problem format").
import { z } from 'zod';

const metricSchema = z.object({
  name: z.string().min(1),
  direction: z.enum(['maximize', 'minimize']),
  description: z.string().optional(),
  /** Deterministic metrics are verified on held-out inputs without a timing interval. */
  deterministic: z.boolean().default(false),
});

/** One objective of a multi-objective problem; its direction defaults to the metric's. */
const objectiveSchema = z.union([
  z.string().min(1),
  z.object({ name: z.string().min(1), direction: z.enum(['maximize', 'minimize']).optional() }).strict(),
]);

const stageCommand = z.array(z.string().min(1)).min(1);

export const problemSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"'),
    description: z.string().min(1),
    language: z.string().min(1),
    /** The seed program: a folder copied as the candidate's workspace, and which of its files may evolve. */
    seed: z.object({
      dir: z.string().default('seed'),
      files: z.array(z.string().min(1)).min(1),
    }),
    evaluator: z.object({
      /** Folder holding the evaluator; read-only to candidates. */
      dir: z.string().default('evaluator'),
      /** Command per stage; "{problem}", "{workspace}" and "{workloads}" are replaced by in-sandbox paths. */
      command: stageCommand,
      stages: z
        .object({
          screen: stageCommand.optional(),
          verify: stageCommand.optional(),
          time: stageCommand.optional(),
        })
        .prefault({}),
      /**
       * The evaluator keeps values it computed without candidate code (base observations) across evaluations:
       * $ADRS_CACHE_DIR (read-only) and $ADRS_CACHE_OUT (see evaluators/evaluator-cache.ts). An evaluator that sets
       * this must not pass those two variables on to candidate processes.
       */
      cache: z.boolean().default(false),
      /**
       * Whether the evaluator runs as the trusted uid, apart from candidate code (issue 16's trust domains; the
       * default). `false` runs it as the sandbox user, in the same domain as the candidate, for evaluators that
       * must write the candidate's workspace and have not adopted adrs_candidate yet (the SWE-fficiency harness):
       * the result file is then reachable by candidate code (README, "Trust domains").
       */
      trust_domains: z.boolean().default(true),
      /**
       * Environment variables for the evaluator (switches such as EPLB_INPUT=torch). Values are the problem's, so they
       * are no secrets; ADRS_* belongs to the platform and PATH is set with sandbox.path.
       */
      env: z
        .record(
          z
            .string()
            .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name (letters, digits, "_")')
            .refine(
              (n) => !/^ADRS_/.test(n) && n !== 'PATH',
              'ADRS_* and PATH are set by adrs (use sandbox.path)',
            ),
          z.string(),
        )
        .default({}),
    }),
    metrics: z.array(metricSchema).min(1),
    /** The metric that ranks candidates (higher is better after direction). */
    primary: z.string().min(1),
    /**
     * Metrics to trade off (two or more): parents are then chosen by Pareto rank with crowding distance, and the
     * run page shows the front. The primary score still ranks the leaderboard and verification. Absent: single score.
     */
    objectives: z.array(objectiveSchema).optional(),
    timing: z
      .object({
        /** Timing key in the evaluator result ("timings.<key>") that the speedup is about; none = deterministic problem. */
        key: z.string().optional(),
        screen_samples: z.number().int().positive().default(3),
        verify_samples: z.number().int().positive().default(10),
        max_samples: z.number().int().positive().default(40),
        /**
         * Pairs at most for a verification still ambiguous at max_samples (its interval straddles 1 + min_effect):
         * it goes on, looking every 10 pairs, until a clear win, futility or this cap; the error rate is then
         * split between the two caps. Absent: 5 x max_samples (200 for the default 40), which detects 2% effects
         * with >= 90% power on a 2-vCPU machine (BENCHMARKS.md) while clear wins and clear losses stop as early as
         * before. 0: no extension (every verification ends by max_samples).
         */
        extended_max_samples: z.number().int().min(0).optional(),
        min_effect: z.number().min(0).default(0.01),
        confidence: z.number().gt(0).lt(1).default(0.95),
        /** Sampling stops once the interval's relative half-width is this small. */
        precision: z.number().gt(0).lt(1).default(0.02),
        /** Shuffle which arm goes first within each A/B pair. */
        randomize_order: z.boolean().default(true),
      })
      .refine((t) => !t.extended_max_samples || t.extended_max_samples > t.max_samples, {
        message: 'must be above timing.max_samples (or 0 for no extension; left out, it is 5 x max_samples)',
        path: ['extended_max_samples'],
      })
      .prefault({}),
    timeouts: z
      .object({
        screen: z.number().positive().default(120),
        verify: z.number().positive().default(600),
        time: z.number().positive().default(120),
      })
      .prefault({}),
    resources: z
      .object({
        cpus: z.number().positive().default(1),
        memory_mb: z.number().int().positive().default(2048),
        pids: z.number().int().positive().default(256),
        gpus: z.union([z.number().int().nonnegative(), z.string()]).default(0),
        disk_mb: z.number().int().positive().default(1024),
      })
      .prefault({}),
    sandbox: z
      .object({
        image: z.string().default('adrs-base'),
        /**
         * Folders put in front of the sandbox's PATH (absolute, as seen inside the sandbox), for toolchains such as
         * cargo or go. With the local sandbox they must be readable by the sandbox user and lie outside /tmp (which is
         * private there); a Docker image can bring its own.
         */
        path: z.array(z.string().regex(/^\/[^:]*$/, 'an absolute folder without ":"')).default([]),
      })
      .strict()
      .prefault({}),
    workloads: z
      .object({
        /** Folder (relative to the problem) given to the screen stage. */
        screen: z.string().optional(),
        /** Held-out folder, given only to the verify stage. */
        verify: z.string().optional(),
      })
      .prefault({}),
    /** Static guard against benchmark gaming; patterns a problem legitimately needs go in `allow`. */
    guard: z
      .object({
        enabled: z.boolean().default(true),
        /** Rules this problem legitimately needs (e.g. ffi). */
        allow: z.array(z.string()).default([]),
        /** Opt-in rules to switch on (e.g. threads). */
        deny: z.array(z.string()).default([]),
      })
      .prefault({}),
    /** Differential checks against the base beyond the tests (repository tasks; see evaluators/differential). */
    differential: z
      .object({
        enabled: z.boolean().default(true),
        workload: z.boolean().default(true),
        calls: z.boolean().default(true),
        replay: z.boolean().default(true),
        /** Result paths that may legitimately differ, e.g. "globals.timestamp", "calls.pkg.mod.f.return.id". */
        may_differ: z.array(z.string().min(1)).default([]),
        max_calls: z.number().int().positive().default(200),
        max_bytes: z.number().int().positive().default(1_000_000),
        rtol: z.number().min(0).default(1e-6),
        atol: z.number().min(0).default(1e-9),
        strict: z.boolean().default(true),
        passes: z.number().int().positive().default(1),
        timing_lines: z.string().default(''),
        timeout_s: z.number().positive().default(900),
        noise_probe: z.boolean().default(true),
        /** Keep base observations across evaluations (the evaluator cache): the base run once per changed-function set. */
        cache: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Prompt template overrides (file paths relative to the problem). */
    prompts: z.object({ system: z.string().optional(), user: z.string().optional() }).prefault({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (!p.metrics.some((m) => m.name === p.primary)) {
      ctx.addIssue({
        code: 'custom',
        path: ['primary'],
        message: `names no metric; use one of: ${p.metrics.map((m) => m.name).join(', ')}`,
      });
    }
    const names = (p.objectives ?? []).map((o) => (typeof o === 'string' ? o : o.name));
    if (p.objectives && names.length < 2)
      ctx.addIssue({
        code: 'custom',
        path: ['objectives'],
        message: 'needs two or more metrics to trade off (remove it for a single score)',
      });
    for (const [i, n] of names.entries()) {
      if (!p.metrics.some((m) => m.name === n))
        ctx.addIssue({
          code: 'custom',
          path: ['objectives', i],
          message: `"${n}" names no metric; use one of: ${p.metrics.map((m) => m.name).join(', ')}`,
        });
      if (names.indexOf(n) !== i)
        ctx.addIssue({ code: 'custom', path: ['objectives', i], message: `"${n}" is listed twice` });
    }
  });

export type ProblemSpec = z.infer<typeof problemSchema>;
export type MetricSpec = z.infer<typeof metricSchema>;

/** The two fields that define a problem's objectives, to read them back from a stored spec. */
export const objectivesPart = z.object({
  metrics: z.array(metricSchema),
  objectives: z.array(objectiveSchema).optional(),
});

/** The problem's objectives with their directions (empty for a single-score problem). */
export function problemObjectives(
  spec: z.infer<typeof objectivesPart>,
): { name: string; direction: 'maximize' | 'minimize' }[] {
  return (spec.objectives ?? []).map((o) => {
    const name = typeof o === 'string' ? o : o.name;
    const direction =
      (typeof o === 'string' ? undefined : o.direction) ??
      spec.metrics.find((m) => m.name === name)?.direction ??
      'maximize';
    return { name, direction };
  });
}

/** How many times max_samples an ambiguous verification may go on to when problem.yaml does not say. */
export const DEFAULT_EXTENSION_FACTOR = 5;

/** The pair cap for verifications still ambiguous at max_samples, or undefined for none (0 in problem.yaml). */
export function extendedMaxSamples(timing: ProblemSpec['timing']): number | undefined {
  const cap = timing.extended_max_samples ?? DEFAULT_EXTENSION_FACTOR * timing.max_samples;
  return cap > timing.max_samples ? cap : undefined;
}
