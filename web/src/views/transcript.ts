// An LLM call's transcript: the prompt messages (Anthropic or OpenAI shaped, else raw JSON) and the response text.
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

function messages(prompt: unknown): { role: string; text: string }[] | undefined {
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
    ${call.error ? html`<p class="error">${call.error}</p>` : ''} ${body}
    <div class="msg msg-assistant">
      <div class="role">response</div>
      <pre>${call.response_text}</pre>
    </div>
  </details>`;
}
