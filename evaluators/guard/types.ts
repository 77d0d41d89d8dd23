// Shapes of the static guard: its configuration (problem.yaml `guard`), a violation, and the report.

export type GuardLanguage = 'python' | 'c';

export interface GuardConfig {
  /** Off skips every rule (problem.yaml guard.enabled). */
  enabled?: boolean;
  /** Rule ids this problem legitimately needs (problem.yaml guard.allow), e.g. ["ffi"]. */
  allow?: readonly string[];
  /** Opt-in rule ids to switch on (e.g. ["threads"] where background work would escape the timer). */
  deny?: readonly string[];
  /** Extra literal paths a candidate must not mention (the evaluator's in-sandbox paths). */
  protectedPaths?: readonly string[];
  /**
   * Whether an `adrs: allow <rule>` pragma on a line the patch itself adds counts (default false: a
   * generated candidate must not be able to exempt itself; set true for human-authored patches).
   */
  trustPatchPragmas?: boolean;
}

export interface GuardRule {
  id: string;
  /** What the rule refuses, for people ("patches a timer the evaluator reads"). */
  what: string;
  languages: readonly (GuardLanguage | 'any')[];
  patterns: readonly RegExp[];
  /** Off unless named in `deny`. */
  optIn?: boolean;
}

export interface GuardViolation {
  rule: string;
  file: string;
  line: number;
  text: string;
}

export interface GuardReport {
  ok: boolean;
  violations: GuardViolation[];
  /** One line: why the patch was refused (empty when ok). */
  reason: string;
}
