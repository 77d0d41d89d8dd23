// Benchmark: the share of input tokens read from the prompt cache and the dollars per proposal, before (the system
// message alone marked, the old layout: promptCache false) and after (seed first, breakpoints on the stable parts),
// side by side in one run, against the fake Anthropic server that applies the documented cache rules (per-model
// minimum length, 5-minute lifetime refreshed by hits, 20-block look-back). Prompts are those of a real problem
// (problems/moe-eplb) with a small population of parents; agent mode is a 10-step tool conversation.
//
//   node --import tsx bench/prompt-cache.ts [--proposals 24] [--gap-s 15] [--model claude-sonnet-5] [--json]
import path from 'node:path';
import { parseArgs } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { createAnthropicToolModel, type AgentMessage } from '../orchestrator/agent/tool-model.js';
import { createProposer } from '../orchestrator/proposers/index.js';
import { costUsd, DEFAULT_PRICES, priceFor, type TokenUsage } from '../orchestrator/proposers/prices.js';
import { loadProblem } from '../problems/src/load.js';
import { searchReplace, startAnthropicServer } from '../test/fakes/anthropic-server.js';
import { makeContext } from '../test/fakes/tiny-problem.js';

const { values: args } = parseArgs({
  options: {
    proposals: { type: 'string', default: '24' },
    'gap-s': { type: 'string', default: '15' },
    model: { type: 'string', default: 'claude-sonnet-5' },
    json: { type: 'boolean', default: false },
  },
});
const proposals = Number(args.proposals);
const gapMs = Number(args['gap-s']) * 1000;
const model = args.model;
const price = priceFor(DEFAULT_PRICES, model);
const env = { ANTHROPIC_API_KEY: 'fake-ant-bench-0123456789' };

interface Figures {
  share: number;
  usdPerProposal: number;
  input: number;
}

const sum = (us: TokenUsage[]): TokenUsage =>
  us.reduce(
    (a, u) => ({
      inputTokens: a.inputTokens + u.inputTokens,
      outputTokens: a.outputTokens + u.outputTokens,
      cacheReadTokens: a.cacheReadTokens + u.cacheReadTokens,
      cacheWriteTokens: a.cacheWriteTokens + u.cacheWriteTokens,
    }),
    { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
  );

function figures(us: TokenUsage[], per: number): Figures {
  const t = sum(us);
  const input = t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens;
  return { share: input ? t.cacheReadTokens / input : 0, usdPerProposal: costUsd(price, t) / per, input };
}

/** Proposals over a real problem: parents drawn from a pool of 4 (an island's programs), a growing history. */
async function proposalRun(promptCache: boolean): Promise<Figures> {
  let now = 0;
  const answerText =
    searchReplace([{ file: null, search: 'a line that is not there', replace: 'x' }], 'a focused change') +
    '\n'.padEnd(2400, ' ');
  const fake = await startAnthropicServer({ now: () => now, defaultAnswer: () => answerText });
  try {
    const problem = loadProblem(path.resolve('problems/moe-eplb'));
    const proposer = await createProposer(
      { kind: 'anthropic', model, baseURL: fake.url, mode: 'diff', retryBadEdits: false, promptCache },
      { env, sleep: async () => {} },
    );
    const base = makeContext(problem);
    const seed = base.parent.files;
    const parents = [0, 1, 2, 3].map((k) =>
      k === 0
        ? seed
        : Object.fromEntries(Object.entries(seed).map(([f, c]) => [f, `${c}\n# variant ${k}: tuned\n`])),
    );
    let rng = 7;
    const usages: TokenUsage[] = [];
    const history: typeof base.history = [];
    for (let i = 0; i < proposals; i++) {
      rng = (rng * 1103515245 + 12345) % 2 ** 31;
      const files = parents[rng % parents.length]!;
      const ctx = makeContext(problem, {
        parent: { ...base.parent, id: `p${rng % parents.length}`, files },
        history: [...history],
      });
      await proposer.propose(ctx);
      for (const c of ctx.calls)
        usages.push({
          inputTokens: c.inputTokens ?? 0,
          outputTokens: c.outputTokens ?? 0,
          cacheReadTokens: c.cacheReadTokens ?? 0,
          cacheWriteTokens: c.cacheWriteTokens ?? 0,
        });
      history.push({
        id: `c${i}`,
        parentId: null,
        summary: `attempt ${i}`,
        status: 'incorrect',
        score: null,
        delta: null,
      });
      if (history.length > 5) history.shift();
      now += gapMs;
    }
    return figures(usages, proposals);
  } finally {
    await fake.close();
  }
}

/** A 10-step tool conversation: after = our tool model (incremental breakpoints); before = the system block only. */
async function agentRun(incremental: boolean): Promise<Figures> {
  const fake = await startAnthropicServer({ defaultAnswer: () => 'ok' });
  try {
    const hints = { who: 'anthropic', model, keyEnv: 'ANTHROPIC_API_KEY' };
    const tool = createAnthropicToolModel({
      model,
      apiKey: env.ANTHROPIC_API_KEY,
      baseURL: fake.url,
      timeoutMs: 5000,
      hints,
    });
    const raw = new Anthropic({ apiKey: env.ANTHROPIC_API_KEY, baseURL: fake.url, maxRetries: 0 });
    const system = 'You are a performance engineer working on a real software repository. '.repeat(12);
    const tools = [
      {
        name: 'read_file',
        description: 'read a file',
        input_schema: { type: 'object' as const, properties: {} },
      },
    ];
    const messages: AgentMessage[] = [
      {
        role: 'user',
        content: [{ type: 'text', text: '# Task\n' + 'Make the workload faster. '.repeat(80) }],
      },
    ];
    const usages: TokenUsage[] = [];
    for (let step = 1; step <= 10; step++) {
      if (incremental) {
        const turn = await tool.send({ system, messages, tools, maxOutputTokens: 4096 });
        usages.push(turn.usage);
      } else {
        const m = await raw.messages.create({
          model,
          max_tokens: 4096,
          system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }],
          tools,
          messages: messages,
        });
        usages.push({
          inputTokens: m.usage.input_tokens,
          outputTokens: m.usage.output_tokens,
          cacheReadTokens: m.usage.cache_read_input_tokens ?? 0,
          cacheWriteTokens: m.usage.cache_creation_input_tokens ?? 0,
        });
      }
      // A typical step: the model reads a file (about 1,500 tokens come back).
      messages.push({
        role: 'assistant',
        content: [{ type: 'tool_use', id: `t${step}`, name: 'read_file', input: { path: `m${step}.py` } }],
      });
      messages.push({
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: `t${step}`,
            content: `def f${step}():\n` + '    x = x + 1\n'.repeat(400),
          },
        ],
      });
    }
    return figures(usages, 1);
  } finally {
    await fake.close();
  }
}

const rows = {
  proposals: { before: await proposalRun(false), after: await proposalRun(true) },
  agent10: { before: await agentRun(false), after: await agentRun(true) },
};
if (args.json) console.log(JSON.stringify({ model, proposals, gapS: gapMs / 1000, rows }));
else {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  console.log(
    `model ${model} ($${price?.input}/$${price?.output} per Mtok), ${proposals} proposals ${gapMs / 1000} s apart, problem moe-eplb`,
  );
  console.log('case                 layout   cache share   $ per proposal/conversation   input tokens');
  for (const [name, r] of Object.entries(rows))
    for (const [layout, f] of Object.entries(r))
      console.log(
        `${name.padEnd(20)} ${layout.padEnd(8)} ${pct(f.share).padStart(11)}   ${('$' + f.usdPerProposal.toFixed(5)).padStart(27)}   ${String(f.input).padStart(12)}`,
      );
  const p = rows.proposals;
  console.log(
    `proposals: ${(p.before.usdPerProposal / p.after.usdPerProposal).toFixed(2)}x cheaper with the cache layout`,
  );
}
