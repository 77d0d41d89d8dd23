// Builds the system and user messages for one proposal and trims them to the model's context window.
import { redactSecrets } from '../../core/secrets.js';
import type { TextPart } from '../proposers/chat-model.js';
import type { ProposalContext } from '../proposers/types.js';
import { chooseMode, type ModeSetting } from './choose-mode.js';
import { editFormatInstructions, type EditMode } from './edit-format.js';
import { resolveTemplates } from './resolve-templates.js';
import {
  renderFeedback,
  renderFiles,
  renderHistory,
  renderInspirations,
  renderMetrics,
  renderMetricSpecs,
} from './sections.js';
import { renderTemplate } from './templates.js';
import { estimateTokens } from './tokens.js';
import { operatorTask } from '../proposers/operators.js';
import { directionText, VERIFICATION_LINE, workedExample } from './prompt-extras.js';
import { renderRecommendations } from './meta-prompt.js';
import { trimInspirations } from './inspiration-trim.js';
import { variantLine } from './variants.js';

export interface PromptOptions {
  mode: ModeSetting;
  /** The model's context window, in tokens. */
  contextTokens: number;
  /** Tokens kept free for the answer. */
  maxOutputTokens: number;
  /** Most recent attempts shown (default 10). */
  historyLimit?: number;
  /** Environment whose secret values are redacted from the prompt (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * The run's seed files: sent first, after the system message, as the stable part every prompt of the run
   * shares (a cache breakpoint follows it); the parent is then shown as "the same as the seed" when it is.
   */
  seed?: Record<string, string>;
}

export interface BuiltPrompt {
  system: string;
  user: string;
  /**
   * `user` in parts, stable first, each part followed by a cache breakpoint when `cache`: the seed copy (the same
   * in every prompt of a run), then the template up to the end of the parent's code (the same while that parent is
   * picked again), then the rest.
   */
  userParts: TextPart[];
  mode: EditMode;
  estimatedTokens: number;
  /** Token budget for the prompt (context window minus the answer and a margin). */
  budgetTokens: number;
  /** False when even the trimmed prompt exceeds the budget. */
  fits: boolean;
  /** Human-readable notes for `run:warning` (trimming, unknown template variables). */
  warnings: string[];
}

type PromptInput = Pick<ProposalContext, 'problem' | 'parent' | 'inspirations' | 'history' | 'templates'> &
  Partial<Pick<ProposalContext, 'operator' | 'recommendations' | 'variant'>>;

function task(ctx: PromptInput): string {
  const spec = ctx.problem.spec;
  const metric = spec.metrics.find((m) => m.name === spec.primary);
  const goal = `${metric?.direction === 'minimize' ? 'lower' : 'raise'} the primary metric "${spec.primary}"`;
  if (!ctx.parent.correct)
    return `The current program is not correct (see the feedback above). Fix it so that it passes, then ${goal} if you can.`;
  if (ctx.operator) return operatorTask(ctx.operator, goal);
  return `Propose one focused improvement to the program that will ${goal} while keeping it correct. Think about why the current version is slow or weak, then make the change.`;
}

const MARGIN_TOKENS = 256;
/** Marks the end of the parent's code in the rendered template, where its cache breakpoint goes. */
const PARENT_END = '\u0000adrs-parent-end\u0000';

const sameFiles = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => b[k] === a[k]);

/** Builds the prompt; drops history, then inspirations, then shortens stderr and feedback until it fits. */
export function buildPrompt(ctx: PromptInput, opts: PromptOptions): BuiltPrompt {
  const spec = ctx.problem.spec;
  const files = Object.keys(ctx.parent.files).sort();
  const mode = chooseMode(opts.mode, ctx.parent.files);
  const templates = resolveTemplates(ctx.problem, ctx.templates);
  const warnings: string[] = [];
  const budget = opts.contextTokens - opts.maxOutputTokens - MARGIN_TOKENS;

  const editFormat = editFormatInstructions(mode, files);
  const sys = renderTemplate(templates.system, {
    problem_name: spec.name,
    description: spec.description.trim(),
    language: spec.language,
    metrics: renderMetricSpecs(ctx.problem),
    edit_format: editFormat,
  });
  let system = sys.text;
  if (!templates.system.includes('edit_format')) system += `\n# How to answer\n${editFormat}\n`;
  // Fixed per run, so the system message stays one cacheable prefix.
  system += `\n${workedExample(mode, files[0] ?? 'solution.py')}\n`;
  // Only a problem with held-out inputs is verified on them; the line must not claim more than happens.
  if (ctx.problem.verifyWorkloadsDir) system += `\n${VERIFICATION_LINE}\n`;

  let seed = opts.seed && Object.keys(opts.seed).length > 0 ? opts.seed : undefined;
  const seedPart = (): string =>
    seed ? `# The program this run started from (the seed)\n${renderFiles(seed, spec.language)}\n\n` : '';
  // Trimmed once: the cut below drops whole inspirations from the end of this list.
  const inspirations = trimInspirations(ctx.inspirations, ctx.parent.files);
  const limits = {
    history: Math.min(opts.historyLimit ?? 10, ctx.history.length),
    inspirations: inspirations.length,
    stderrChars: 4000,
    feedbackChars: 6000,
  };
  const renderUser = (): { text: string; unknown: string[] } =>
    renderTemplate(templates.user, {
      problem_name: spec.name,
      parent_code:
        (seed && sameFiles(seed, ctx.parent.files)
          ? 'The same as the seed above (unchanged).'
          : renderFiles(ctx.parent.files, spec.language)) + PARENT_END,
      parent_metrics: renderMetrics(ctx.parent),
      feedback: renderFeedback(ctx.parent, limits),
      inspirations: renderInspirations(inspirations.slice(0, limits.inspirations), spec.language),
      history: renderHistory(ctx.history.slice(ctx.history.length - limits.history)),
      task: [
        renderRecommendations(ctx.recommendations),
        directionText(ctx.parent, ctx.history),
        task(ctx),
        variantLine(ctx.variant),
      ]
        .filter(Boolean)
        .join('\n'),
    });

  let user = renderUser();
  const unknown = [...new Set([...sys.unknown, ...user.unknown])];
  if (unknown.length)
    warnings.push(
      `prompt template uses unknown placeholder(s) ${unknown.map((u) => `{{${u}}}`).join(', ')}; left as written`,
    );

  const size = (): number =>
    estimateTokens(system) + estimateTokens(seedPart()) + estimateTokens(user.text.replace(PARENT_END, ''));
  /** Each step cuts a little more and says whether it could. */
  const steps: { what: string; step: () => boolean }[] = [
    { what: 'the copy of the seed', step: () => seed !== undefined && ((seed = undefined), true) },
    { what: 'earlier attempts', step: () => limits.history > 0 && ((limits.history >>= 1), true) },
    { what: 'inspirations', step: () => limits.inspirations > 0 && ((limits.inspirations -= 1), true) },
    {
      what: 'stderr',
      step: () => limits.stderrChars > 0 && ((limits.stderrChars = limits.stderrChars > 500 ? 500 : 0), true),
    },
    {
      what: 'evaluator feedback',
      step: () => limits.feedbackChars > 500 && ((limits.feedbackChars = 500), true),
    },
  ];
  const before = size();
  const cut = new Set<string>();
  for (const { what, step } of steps) {
    while (size() > budget && step()) {
      cut.add(what);
      user = renderUser();
    }
  }
  const estimated = size();
  if (cut.size > 0)
    warnings.push(
      `prompt of ~${before} tokens trimmed to ~${estimated} to fit the ${opts.contextTokens}-token context window (cut: ${[...cut].join(', ')})`,
    );
  const env = opts.env ?? process.env;
  const [head, tail] = user.text.includes(PARENT_END) ? user.text.split(PARENT_END, 2) : [user.text, ''];
  const userParts: TextPart[] = [
    ...(seed ? [{ text: redactSecrets(seedPart(), env), cache: true }] : []),
    ...(tail !== undefined && tail !== '' ? [{ text: redactSecrets(head!, env), cache: true }] : []),
    { text: redactSecrets(tail !== undefined && tail !== '' ? tail : head!, env) },
  ];
  return {
    system: redactSecrets(system, env),
    user: userParts.map((p) => p.text).join(''),
    userParts,
    mode,
    estimatedTokens: estimated,
    budgetTokens: budget,
    fits: estimated <= budget,
    warnings,
  };
}
