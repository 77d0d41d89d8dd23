// Renders the pieces of a prompt: program files, metrics, evaluation feedback, inspirations and earlier attempts.
import type { LoadedProblem } from '../../problems/src/load.js';
import type { AttemptView, ParentView, ProgramView } from '../proposers/types.js';

const fenceLang = (language: string): string => language.toLowerCase().replace(/[^a-z0-9+#-]/g, '');

/** Files as "path" + fenced code, in a stable order. */
export function renderFiles(files: Record<string, string>, language: string): string {
  return Object.keys(files)
    .sort()
    .map((f) => {
      const code = files[f]!;
      const fence = code.includes('```') ? '````' : '```';
      return `${f}\n${fence}${fenceLang(language)}\n${code.replace(/\n$/, '')}\n${fence}`;
    })
    .join('\n\n');
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, ''));

export function renderMetrics(p: ProgramView): string {
  const metrics = Object.entries(p.metrics)
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join(', ');
  const score = p.score === null ? 'none' : fmt(p.score);
  return `score: ${score}; correct: ${p.correct ? 'yes' : 'no'}${metrics ? `; ${metrics}` : ''}`;
}

/** The metric list of the problem, for the system message. */
export function renderMetricSpecs(problem: LoadedProblem): string {
  return problem.spec.metrics
    .map((m) => {
      const primary = m.name === problem.spec.primary ? ' (primary: ranks candidates)' : '';
      return `- ${m.name}: ${m.direction}${primary}${m.description ? ` — ${m.description}` : ''}`;
    })
    .join('\n');
}

const tail = (text: string, max: number): string =>
  text.length <= max ? text : `[... ${text.length - max} characters cut]\n${text.slice(text.length - max)}`;

export function renderFeedback(
  parent: ParentView,
  limits: { stderrChars: number; feedbackChars: number },
): string {
  const parts: string[] = [];
  if (parent.feedback.trim())
    parts.push(`Evaluator feedback:\n${tail(parent.feedback.trim(), limits.feedbackChars)}`);
  if (parent.failedChecks.length > 0)
    parts.push(
      'Failed checks:\n' +
        parent.failedChecks.map((c) => `- ${c.name}${c.detail ? `: ${c.detail}` : ''}`).join('\n'),
    );
  if (parent.stderrTail.trim() && limits.stderrChars > 0)
    parts.push(`stderr (last lines):\n\`\`\`\n${tail(parent.stderrTail.trim(), limits.stderrChars)}\n\`\`\``);
  return parts.length ? `## Evaluation feedback\n${parts.join('\n\n')}` : '';
}

export function renderInspirations(programs: ProgramView[], language: string): string {
  if (programs.length === 0) return '';
  const items = programs.map(
    (p, k) => `### Program ${k + 1} (${renderMetrics(p)})\n${renderFiles(p.files, language)}`,
  );
  return `## Other programs from the population, for ideas (their evolvable regions; files equal to the current program's left out)\n${items.join('\n\n')}`;
}

/** Earlier attempts; those that failed at the provider (no code came back) say nothing about code and are left out. */
export function renderHistory(history: AttemptView[]): string {
  const attempts = history.filter((a) => !a.infrastructure);
  if (attempts.length === 0) return '';
  const lines = attempts.map((a) => {
    const score = a.score === null ? '' : `, score ${fmt(a.score)}`;
    const delta = a.delta === null ? '' : ` (${a.delta >= 0 ? '+' : ''}${fmt(a.delta)} vs its parent)`;
    return `- ${a.summary.replace(/\s+/g, ' ').slice(0, 300)} → ${a.status}${score}${delta}`;
  });
  return `## Earlier attempts and what became of them\n${lines.join('\n')}`;
}
