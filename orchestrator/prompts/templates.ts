// Default prompt templates and the `{{var}}` renderer; problems (problem.yaml `prompts`) and runs may override them.

/** Variables of the system template. */
export const SYSTEM_VARS = ['problem_name', 'description', 'language', 'metrics', 'edit_format'] as const;
/** Variables of the user template. */
export const USER_VARS = [
  'problem_name',
  'parent_code',
  'parent_metrics',
  'feedback',
  'inspirations',
  'history',
  'task',
] as const;

export const DEFAULT_SYSTEM_TEMPLATE = `You are an expert {{language}} performance engineer taking part in an evolutionary search: each answer you give becomes a candidate program that is run, checked for correctness and measured.

# Problem: {{problem_name}}
{{description}}

# Metrics
{{metrics}}

# How to answer
{{edit_format}}`;

export const DEFAULT_USER_TEMPLATE = `# Current program
{{parent_code}}

## How it did
{{parent_metrics}}

{{feedback}}

{{inspirations}}

{{history}}

# Task
{{task}}`;

/** Replaces `{{name}}` placeholders; unknown names are left as they are and reported. */
export function renderTemplate(
  template: string,
  vars: Record<string, string>,
): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const text = template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name: string) => {
    if (Object.hasOwn(vars, name)) return vars[name]!;
    unknown.push(name);
    return whole;
  });
  return { text: text.replace(/\n{3,}/g, '\n\n').trim() + '\n', unknown };
}
