// Splits a reasoning model's `<think>…</think>` text from its answer, so drafts inside it are never parsed as edits.
//
// Seen in content from Ollama's reasoning models and from vLLM without a reasoning parser:
//   "<think>draft…</think>answer"    the usual shape
//   "draft…</think>answer"           chat templates that open the tag in the prompt (Qwen3, DeepSeek-R1)
//   "<think>draft… (cut off)"        an answer cut at max_tokens while still thinking: no answer at all

const OPEN = /<(think|thinking|reasoning)>/i;

export interface SplitAnswer {
  /** The text to parse for edits. */
  answer: string;
  /** The reasoning, kept for the transcript ('' when there was none). */
  reasoning: string;
}

export function splitReasoning(text: string): SplitAnswer {
  const reasoning: string[] = [];
  let rest = text;
  // A close tag before any open tag: everything up to it was reasoning.
  const firstClose = /<\/(think|thinking|reasoning)>/i.exec(rest);
  const firstOpen = OPEN.exec(rest);
  if (firstClose && (!firstOpen || firstClose.index < firstOpen.index)) {
    reasoning.push(rest.slice(0, firstClose.index));
    rest = rest.slice(firstClose.index + firstClose[0].length);
  }
  for (;;) {
    const open = OPEN.exec(rest);
    if (!open) break;
    const close = new RegExp(`</${open[1]}>`, 'i').exec(rest.slice(open.index + open[0].length));
    if (!close) {
      reasoning.push(rest.slice(open.index + open[0].length));
      rest = rest.slice(0, open.index);
      break;
    }
    const start = open.index + open[0].length;
    reasoning.push(rest.slice(start, start + close.index));
    rest = rest.slice(0, open.index) + rest.slice(start + close.index + close[0].length);
  }
  return { answer: rest.trim(), reasoning: reasoning.map((r) => r.trim()).join('\n\n') };
}
