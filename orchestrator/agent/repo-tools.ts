// Runs the agent's tools as execs in a sandbox session over the candidate's working copy; LLM-written code runs only there.
import type { SandboxSession } from '../../sandboxes/types.js';
import { toolInputs, type ToolName } from './tools.js';

/** What the tools need to know about the instance (from its evaluator's instance.json). */
export interface RepoToolsConfig {
  python: string;
  baseCommit: string;
  testCmd: string;
  coveringTests: string[];
  /** In-sandbox paths of the workload script and the isolated workload runner. */
  workloadPath: string;
  runnerPath: string;
  /** Seconds one tool exec may take. */
  timeoutS: number;
}

export interface ToolOutcome {
  text: string;
  isError: boolean;
  /** Set by finish: the agent's summary. */
  finished?: string;
}

const MAX_OUTPUT = 12_000;
const EXCLUDE = ':(exclude).adrs-*';

function clip(text: string, max = MAX_OUTPUT): string {
  return text.length <= max
    ? text
    : text.slice(0, max / 2) + `\n... [${text.length - max} characters cut] ...\n` + text.slice(-max / 2);
}

/** A relative path inside the workspace (no absolute paths, no "..", no .git). */
function safeRel(p: string): string | undefined {
  const parts = p
    .replace(/^\.\/+/, '')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (p.startsWith('/') || parts.some((s) => s === '..' || s === '.git')) return undefined;
  return parts.join('/') || '.';
}

export class RepoTools {
  constructor(
    private readonly session: SandboxSession,
    private readonly config: RepoToolsConfig,
  ) {}

  private env(): Record<string, string> {
    return { PYTHONPATH: this.session.workspace, PYTHONDONTWRITEBYTECODE: '1', GIT_CONFIG_NOSYSTEM: '1' };
  }

  private async sh(
    command: string[],
    timeoutS = this.config.timeoutS,
  ): Promise<{ ok: boolean; out: string }> {
    const r = await this.session.exec(command, { env: this.env(), timeoutMs: timeoutS * 1000 });
    const out = (r.stdoutTail + (r.stderrTail ? `\n${r.stderrTail}` : '')).trim();
    if (r.timedOut) return { ok: false, out: `${out}\n(timed out after ${timeoutS} s)` };
    return { ok: r.exitCode === 0, out };
  }

  async run(name: string, rawInput: unknown): Promise<ToolOutcome> {
    if (!(name in toolInputs)) return { text: `unknown tool "${name}"`, isError: true };
    const parsed = toolInputs[name as ToolName].safeParse(rawInput ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        text: `bad input for ${name}: ${issue?.path.join('.') || 'input'}: ${issue?.message}`,
        isError: true,
      };
    }
    const input = parsed.data as Record<string, unknown>;
    switch (name as ToolName) {
      case 'list_files':
        return this.listFiles(String(input.path));
      case 'read_file':
        return this.readFile(
          String(input.path),
          input.start_line as number | undefined,
          input.end_line as number | undefined,
        );
      case 'grep':
        return this.grep(String(input.pattern), String(input.path));
      case 'profile_workload':
        return this.profile(Number(input.top));
      case 'edit_file':
        return this.edit(String(input.path), String(input.old_text), String(input.new_text));
      case 'run_workload':
        return this.workload();
      case 'run_tests':
        return this.tests((input.tests as string[] | undefined) ?? this.config.coveringTests);
      case 'finish':
        return { text: 'finished', isError: false, finished: String(input.summary) };
    }
  }

  private async listFiles(p: string): Promise<ToolOutcome> {
    const rel = safeRel(p);
    if (!rel) return { text: `path ${p}: give a relative path inside the repository`, isError: true };
    const r = await this.sh([
      'git',
      'ls-files',
      '--cached',
      '--others',
      '--exclude-standard',
      '--',
      rel,
      EXCLUDE,
    ]);
    return { text: clip(r.out || '(no files)'), isError: !r.ok };
  }

  private async readFile(p: string, start?: number, end?: number): Promise<ToolOutcome> {
    const rel = safeRel(p);
    if (!rel || rel === '.') return { text: `path ${p}: give a relative file path`, isError: true };
    const buf = await this.session.readFile(rel, 4 * 1024 * 1024);
    if (!buf) return { text: `${rel}: no such file`, isError: true };
    const lines = buf.toString('utf8').split('\n');
    const from = Math.max(1, start ?? 1);
    const to = Math.min(lines.length, end ?? Math.min(lines.length, from + 399));
    const body = lines
      .slice(from - 1, to)
      .map((l, i) => `${String(from + i).padStart(5)}  ${l}`)
      .join('\n');
    const more =
      to < lines.length ? `\n(${lines.length} lines in all; ask for start_line ${to + 1} to read on)` : '';
    return { text: clip(body + more), isError: false };
  }

  private async grep(pattern: string, p: string): Promise<ToolOutcome> {
    const rel = safeRel(p);
    if (!rel) return { text: `path ${p}: give a relative path inside the repository`, isError: true };
    const r = await this.sh([
      'git',
      'grep',
      '-n',
      '-I',
      '-E',
      '--untracked',
      '-e',
      pattern,
      '--',
      rel,
      EXCLUDE,
    ]);
    if (!r.ok && r.out === '') return { text: 'no matches', isError: false };
    return { text: clip(r.out), isError: !r.ok };
  }

  private async profile(top: number): Promise<ToolOutcome> {
    const prof = `${this.session.workspace}/.adrs-profile.out`;
    const run = await this.sh([this.config.python, '-m', 'cProfile', '-o', prof, this.config.workloadPath]);
    if (!run.ok)
      return { text: `the workload failed under the profiler:\n${clip(run.out, 4000)}`, isError: true };
    const show = await this.sh([
      this.config.python,
      '-c',
      'import pstats,sys; pstats.Stats(sys.argv[1]).sort_stats("cumulative").print_stats(int(sys.argv[2]))',
      prof,
      String(top),
    ]);
    return { text: clip(`${run.out}\n${show.out}`), isError: !show.ok };
  }

  private async edit(p: string, oldText: string, newText: string): Promise<ToolOutcome> {
    const rel = safeRel(p);
    if (!rel || rel === '.') return { text: `path ${p}: give a relative file path`, isError: true };
    const buf = await this.session.readFile(rel, 16 * 1024 * 1024);
    if (oldText === '') {
      if (buf) return { text: `${rel} exists: give old_text to edit it`, isError: true };
      await this.session.writeFile(rel, newText);
      return { text: `created ${rel}`, isError: false };
    }
    if (!buf) return { text: `${rel}: no such file (an empty old_text creates one)`, isError: true };
    const text = buf.toString('utf8');
    const at = text.indexOf(oldText);
    if (at < 0)
      return {
        text: `${rel}: old_text not found (read the file again and copy the text exactly)`,
        isError: true,
      };
    if (text.indexOf(oldText, at + 1) >= 0)
      return { text: `${rel}: old_text occurs more than once; include more context`, isError: true };
    await this.session.writeFile(rel, text.slice(0, at) + newText + text.slice(at + oldText.length));
    return { text: `edited ${rel}`, isError: false };
  }

  private async workload(): Promise<ToolOutcome> {
    const r = await this.sh([this.config.python, this.config.runnerPath, this.config.workloadPath]);
    return { text: clip(r.out || '(no output)'), isError: !r.ok };
  }

  private async tests(tests: string[]): Promise<ToolOutcome> {
    const safe = tests.filter((t) => safeRel(t.split('::')[0] ?? '') !== undefined);
    if (safe.length === 0)
      return { text: 'no tests to run: give test files or ids inside the repository', isError: true };
    const quoted = safe.map((t) => `'${t.replaceAll("'", "'\\''")}'`).join(' ');
    const r = await this.sh(['/bin/sh', '-c', `${this.config.testCmd} ${quoted}`]);
    const summary = r.out.split('\n').filter((l) => /^(FAILED|ERROR)\b|passed|failed|error/.test(l));
    return { text: clip(summary.join('\n') || r.out), isError: false };
  }

  /** The working copy's changes against base_commit: the unified diff and the changed (not deleted) files. */
  async changes(): Promise<{ diff: string; files: Record<string, string>; deleted: string[] }> {
    await this.sh(['git', 'add', '-A', '--', '.', EXCLUDE]);
    const names = await this.sh([
      'git',
      'diff',
      '--cached',
      '--name-status',
      '--no-renames',
      this.config.baseCommit,
      '--',
      '.',
      EXCLUDE,
    ]);
    const diff = await this.session.exec(
      ['git', 'diff', '--cached', '--no-color', '--no-renames', this.config.baseCommit, '--', '.', EXCLUDE],
      { env: this.env(), timeoutMs: 60_000 },
    );
    const files: Record<string, string> = {};
    const deleted: string[] = [];
    for (const line of names.out.split('\n').filter(Boolean)) {
      const [status, file] = line.split('\t');
      if (!file) continue;
      if (status === 'D') deleted.push(file);
      else files[file] = (await this.session.readFile(file, 16 * 1024 * 1024))?.toString('utf8') ?? '';
    }
    return { diff: diff.stdoutTail, files, deleted };
  }
}
