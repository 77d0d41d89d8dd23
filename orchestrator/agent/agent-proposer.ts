// Agent mode: Claude edits the candidate's working copy through tools run in a sandbox; the result is the git diff.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { coerceError } from '../../core/errors.js';
import { guardDiff } from '../../evaluators/guard/check.js';
import type { Sandbox, SandboxSessionControl } from '../../sandboxes/types.js';
import { materializeWorkspace } from '../evaluate/workspace.js';
import { LlmError } from '../proposers/errors.js';
import { costUsd, type ModelPrice } from '../proposers/prices.js';
import { failureOf } from '../proposers/llm-proposer.js';
import { failedUsage, waitText, withRetry, type RetryPolicy, type Sleep } from '../proposers/retry.js';
import type {
  EditRecord,
  ProposalContext,
  ProposalFailure,
  ProposalResult,
  Proposer,
} from '../proposers/types.js';
import { AGENT_SYSTEM, firstMessage } from './agent-prompt.js';
import { AgentBudget, type AgentBudgetLimits } from './budget.js';
import { RepoTools } from './repo-tools.js';
import { TOOL_SPECS } from './tools.js';
import type { AgentMessage, ContentBlock, ToolModel, ToolTurn } from './tool-model.js';

/** The fields of an instance package's evaluator/instance.json the agent needs (zod: a file boundary). */
const instanceConfigSchema = z.looseObject({
  base_commit: z.string().min(7),
  python: z.string().min(1).default('/usr/bin/python3'),
  test_cmd: z.string().min(1),
  covering_tests: z.array(z.string()).default([]),
});

export interface AgentProposerOptions {
  name?: string;
  model: ToolModel;
  sandbox: Sandbox;
  price: ModelPrice | undefined;
  budget: AgentBudgetLimits;
  retry: RetryPolicy;
  sleep: Sleep;
  jitter: () => number;
  maxOutputTokens: number;
  /** Seconds one tool exec (workload, tests, profile) may take. */
  toolTimeoutS: number;
  /** Thrown at the first proposal (e.g. no API key): reported as a fatal failure. */
  setupError?: LlmError;
}

export class AgentProposer implements Proposer {
  readonly name: string;
  readonly model: string;

  private readonly sdkWarnings = new Set<string>();

  constructor(private readonly opts: AgentProposerOptions) {
    this.name = opts.name ?? `agent:${opts.model.model}`;
    this.model = opts.model.model;
  }

  /** The model, when it has no known price (a run with a budget refuses it). */
  unpriced(): string[] {
    return this.opts.price ? [] : [this.model];
  }

  async propose(ctx: ProposalContext): Promise<ProposalResult> {
    const calls: number[] = [];
    let spent = 0;
    const warnings: string[] = [];
    const fail = (reason: string, fatal = false, failure?: ProposalFailure): ProposalResult => ({
      ok: false,
      reason,
      edit: {
        kind: 'agent',
        outcome: 'failed',
        summary: reason,
        ...(failure?.infrastructure ? { cause: 'provider' as const } : {}),
      },
      proposer: this.name,
      model: this.model,
      costUsd: spent,
      llmCallIds: calls,
      warnings,
      ...(fatal ? { fatal } : {}),
      ...(failure ? { failure } : {}),
    });
    if (this.opts.setupError)
      return fail(this.opts.setupError.message, true, failureOf(this.opts.setupError));
    let config: z.infer<typeof instanceConfigSchema>;
    const configFile = path.join(ctx.problem.evaluatorDir, 'instance.json');
    try {
      config = instanceConfigSchema.parse(JSON.parse(readFileSync(configFile, 'utf8')));
    } catch (error) {
      return fail(
        `agent mode needs a repository task (a package from \`adrs swefficiency prepare\`): ${configFile}: ${coerceError(error).message.split('\n')[0]}`,
        true,
      );
    }
    const spec = ctx.problem.spec;
    const ws = materializeWorkspace(ctx.problem, ctx.parent.files);
    let session: SandboxSessionControl | undefined;
    try {
      session = await this.opts.sandbox.open({
        workspaceDir: ws.dir,
        readonlyDirs: { problem: ctx.problem.evaluatorDir },
        limits: {
          wallTimeMs: this.opts.toolTimeoutS * 1000,
          memoryMb: spec.resources.memory_mb,
          pids: spec.resources.pids,
          cpus: spec.resources.cpus,
          outputBytes: 4 * 1024 * 1024,
        },
        image: spec.sandbox.image,
        labels: { 'adrs.run': ctx.runId, 'adrs.agent': String(ctx.iteration) },
      });
      const problemMount = session.mounts.problem ?? '';
      const tools = new RepoTools(session, {
        python: config.python,
        baseCommit: config.base_commit,
        testCmd: config.test_cmd,
        coveringTests: config.covering_tests,
        workloadPath: `${problemMount}/workload.py`,
        runnerPath: `${problemMount}/swe_workload.py`,
        timeoutS: this.opts.toolTimeoutS,
      });
      const parentDiff = (await tools.changes()).diff;
      const loop = await this.converse(ctx, tools, firstMessage(ctx, parentDiff), (id, usd, said) => {
        calls.push(id);
        spent += usd;
        for (const w of said ?? [])
          if (!this.sdkWarnings.has(w)) {
            this.sdkWarnings.add(w);
            warnings.push(`${this.name}: the SDK says: ${w}`);
          }
      });
      if (loop.fatal) return fail(loop.fatal, true, loop.error ? failureOf(loop.error) : undefined);
      // The conversation ended on a provider error before any change: an outage, not an attempt of the model's.
      if (loop.error && (await tools.changes()).diff === parentDiff)
        return fail(loop.summary, false, failureOf(loop.error));
      if (ctx.signal?.aborted) return fail('aborted');
      const changes = await tools.changes();
      if (Object.keys(changes.files).length === 0) return fail(`the agent changed nothing (${loop.summary})`);
      const guard = guardDiff(changes.diff, { enabled: spec.guard.enabled, allow: spec.guard.allow });
      if (!guard.ok) return fail(guard.reason);
      const deleted = changes.deleted.length ? ` (deletions not kept: ${changes.deleted.join(', ')})` : '';
      const edit: EditRecord = {
        kind: 'agent',
        outcome: 'applied',
        summary: (loop.summary + deleted).slice(0, 500),
      };
      return {
        ok: true,
        files: changes.files,
        edit,
        proposer: this.name,
        model: this.model,
        costUsd: spent,
        llmCallIds: calls,
        warnings,
      };
    } catch (error) {
      return fail(`agent failed: ${coerceError(error).message}`);
    } finally {
      await session?.close();
      ws.dispose();
    }
  }

  /** The tool-use conversation; returns the agent's summary, or a fatal reason. */
  private async converse(
    ctx: ProposalContext,
    tools: RepoTools,
    first: string,
    onCall: (id: number, usd: number, warnings?: string[]) => void,
  ): Promise<{ summary: string; fatal?: string; error?: LlmError }> {
    const budget = new AgentBudget(this.opts.budget);
    const messages: AgentMessage[] = [{ role: 'user', content: [{ type: 'text', text: first }] }];
    let recorded = 0;
    let guardWarned = false;
    for (;;) {
      const stop = budget.exhausted();
      if (stop) return { summary: `stopped: ${stop}` };
      if (ctx.signal?.aborted) return { summary: 'aborted' };
      const started = Date.now();
      const request = {
        system: AGENT_SYSTEM,
        messages,
        tools: TOOL_SPECS,
        maxOutputTokens: this.opts.maxOutputTokens,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      };
      const out = await withRetry<ToolTurn>(() => this.opts.model.send(request), this.opts.retry, {
        sleep: this.opts.sleep,
        jitter: this.opts.jitter,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onWait: (e) =>
          ctx.notify?.(
            `${this.name}: ${e.error}; retrying in ${waitText(e.waitMs)} (attempt ${e.attempt + 1} of ${this.opts.retry.maxAttempts})`,
          ),
      });
      // Failed attempts may be billed: what the provider reported for them counts.
      const failed = failedUsage(out.log);
      const prompt = {
        step: budget.steps + 1,
        ...(recorded === 0 ? { system: AGENT_SYSTEM, tools: TOOL_SPECS.map((t) => t.name) } : {}),
        messages: messages.slice(recorded),
      };
      recorded = messages.length;
      if (!out.ok) {
        const lost = costUsd(this.opts.price, failed);
        onCall(
          ctx.recordCall({
            provider: 'anthropic',
            model: this.model,
            status: 'error',
            error: out.error.message,
            inputTokens: failed.inputTokens,
            outputTokens: failed.outputTokens,
            cacheReadTokens: failed.cacheReadTokens,
            cacheWriteTokens: failed.cacheWriteTokens,
            costUsd: lost,
            latencyMs: Date.now() - started,
            attempts: out.attempts,
            prompt,
          }),
          lost,
        );
        if (out.error.fatal)
          return { summary: out.error.message, fatal: out.error.message, error: out.error };
        return { summary: `stopped: ${out.error.message}`, error: out.error };
      }
      const turn = out.value;
      const usage = {
        inputTokens: turn.usage.inputTokens + failed.inputTokens,
        outputTokens: turn.usage.outputTokens + failed.outputTokens,
        cacheReadTokens: turn.usage.cacheReadTokens + failed.cacheReadTokens,
        cacheWriteTokens: turn.usage.cacheWriteTokens + failed.cacheWriteTokens,
      };
      const usd = costUsd(this.opts.price, usage);
      budget.charge(usage, usd);
      onCall(
        ctx.recordCall({
          provider: 'anthropic',
          model: this.model,
          status: 'ok',
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          cacheReadTokens: usage.cacheReadTokens,
          cacheWriteTokens: usage.cacheWriteTokens,
          costUsd: usd,
          latencyMs: Date.now() - started,
          attempts: out.attempts,
          prompt,
          responseText: JSON.stringify(turn.content),
        }),
        usd,
        turn.warnings,
      );
      messages.push({ role: 'assistant', content: turn.content });
      const uses = turn.content.filter(
        (b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use',
      );
      const said = turn.content
        .map((b) => (b.type === 'text' ? b.text : ''))
        .join(' ')
        .trim();
      if (uses.length === 0)
        return { summary: said.slice(0, 300) || `the model stopped (${turn.stopReason ?? 'no reason'})` };
      const results: ContentBlock[] = [];
      let finished: string | undefined;
      for (const use of uses) {
        let result = await tools.run(use.name, use.input);
        if (result.finished !== undefined && !guardWarned) {
          const guard = guardDiff((await tools.changes()).diff, {
            enabled: ctx.problem.spec.guard.enabled,
            allow: ctx.problem.spec.guard.allow,
          });
          if (!guard.ok) {
            guardWarned = true;
            result = { text: `${guard.reason}. Remove that and call finish again.`, isError: true };
          }
        }
        if (result.finished !== undefined) finished = result.finished;
        results.push({
          type: 'tool_result',
          tool_use_id: use.id,
          content: result.text,
          ...(result.isError ? { is_error: true } : {}),
        });
      }
      messages.push({ role: 'user', content: results });
      if (finished !== undefined) return { summary: finished };
    }
  }
}
