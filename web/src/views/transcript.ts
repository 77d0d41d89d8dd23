// An LLM call's transcript: the prompt messages (every stored shape, see requestOf; else raw JSON) and the response.
import { html, type Html } from '../html.js';
import { int, usd } from './format.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a message content: a string, or blocks of text / tool use / tool results. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((b) => {
        if (typeof b === 'string') return b;
        if (!isRecord(b)) return JSON.stringify(b);
        if (typeof b.text === 'string') return b.text;
        if (b.type === 'tool_use') return `[tool_use ${String(b.name)}] ${JSON.stringify(b.input)}`;
        if (b.type === 'tool_result') return `[tool_result] ${contentText(b.content)}`;
        return JSON.stringify(b);
      })
      .join('\n');
  return content === undefined ? '' : JSON.stringify(content, null, 2);
}

/**
 * The request inside a stored prompt. The LLM proposer stores `{purpose, mode, request, retries}` where
 * `request` is the provider's body (Anthropic: `system` blocks + `messages`; OpenAI: a system message first);
 * the agent stores `{step, system?, tools?, messages}`; older rows hold the messages or `{system, messages}`.
 */
function requestOf(prompt: unknown): unknown {
  return isRecord(prompt) && isRecord(prompt.request) ? prompt.request : prompt;
}

/** What the wrapper says about the call: purpose, edit mode, agent step, retries. */
function callMeta(prompt: unknown): string[] {
  if (!isRecord(prompt)) return [];
  const out: string[] = [];
  if (typeof prompt.purpose === 'string') out.push(prompt.purpose);
  if (typeof prompt.mode === 'string') out.push(`${prompt.mode} edits`);
  if (typeof prompt.step === 'number') out.push(`agent step ${prompt.step}`);
  if (Array.isArray(prompt.tools)) out.push(`tools: ${prompt.tools.map(String).join(', ')}`);
  if (Array.isArray(prompt.retries) && prompt.retries.length) out.push(`${prompt.retries.length} retried`);
  const req = requestOf(prompt);
  if (isRecord(req) && typeof req.max_tokens === 'number') out.push(`max ${req.max_tokens} tokens out`);
  if (isRecord(req) && typeof req.temperature === 'number') out.push(`temperature ${req.temperature}`);
  return out;
}

function messages(stored: unknown): { role: string; text: string }[] | undefined {
  const prompt = requestOf(stored);
  const list = Array.isArray(prompt)
    ? prompt
    : isRecord(prompt) && Array.isArray(prompt.messages)
      ? prompt.messages
      : undefined;
  if (!list) return undefined;
  const out: { role: string; text: string }[] = [];
  if (isRecord(prompt) && prompt.system !== undefined)
    out.push({ role: 'system', text: contentText(prompt.system) });
  for (const m of list) {
    if (!isRecord(m)) return undefined;
    out.push({ role: typeof m.role === 'string' ? m.role : '?', text: contentText(m.content) });
  }
  return out;
}

export interface CallView {
  id: number;
  provider: string;
  model: string;
  status: string;
  error: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  latency_ms: number;
  prompt: unknown;
  response_text: string;
}

export function transcript(call: CallView): Html {
  const msgs = messages(call.prompt);
  const meta = callMeta(call.prompt);
  const body = msgs
    ? msgs.map(
        (m) =>
          html`<div class="msg msg-${/^[a-z]+$/.test(m.role) ? m.role : 'other'}">
            <div class="role">${m.role}</div>
            <pre>${m.text}</pre>
          </div>`,
      )
    : html`<pre class="json">${JSON.stringify(call.prompt, null, 2)}</pre>`;
  return html`<details class="call">
    <summary>
      call #${call.id} · ${call.provider}/${call.model} · ${call.status} · ${int(call.input_tokens)} in /
      ${int(call.output_tokens)} out · ${usd(call.cost_usd)} · ${int(call.latency_ms)} ms
    </summary>
    ${meta.length ? html`<p class="sub call-meta">${meta.join(' · ')}</p>` : ''}
    ${call.error ? html`<p class="error">${call.error}</p>` : ''} ${body}
    <div class="msg msg-assistant">
      <div class="role">response</div>
      <pre>${call.response_text}</pre>
    </div>
  </details>`;
}
