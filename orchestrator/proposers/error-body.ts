// Reads the message out of every error body shape the supported servers send, and says what to change for a refusal.
//
// Shapes (from the providers' API references):
//   Anthropic           {"type":"error","error":{"type":"invalid_request_error","message":"..."}}
//   OpenAI, vLLM >= 0.6 {"error":{"message":"...","type":"...","param":...,"code":...}}
//   vLLM (older)        {"object":"error","message":"...","type":"BadRequestError","param":null,"code":400}
//   Ollama native       {"error":"model \"x\" not found, try pulling it first"}
//   FastAPI validation  {"detail":[{"loc":[...],"msg":"...","type":"..."}]} or {"detail":"..."}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  return undefined;
}

/** The human message of an error body, or undefined when the body has none we know. */
export function bodyMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return text(body);
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const error = b['error'];
  if (typeof error === 'string') return text(error);
  if (error && typeof error === 'object') {
    const e = error as Record<string, unknown>;
    const message = text(e['message']);
    if (message) return message;
  }
  const message = text(b['message']);
  if (message) return message;
  const detail = b['detail'];
  if (typeof detail === 'string') return text(detail);
  if (Array.isArray(detail)) {
    const msgs = detail
      .map((d) => (d && typeof d === 'object' ? text((d as Record<string, unknown>)['msg']) : undefined))
      .filter((m): m is string => m !== undefined);
    if (msgs.length) return msgs.join('; ');
  }
  return undefined;
}

/** What to change for a refused request (400/413/422), judged from the provider's message. */
export function refusalFix(message: string): string {
  const m = message.toLowerCase();
  if (/max_completion_tokens/.test(m))
    return 'set tokenParam: max_completion_tokens in the proposer config (reasoning models take no max_tokens)';
  if (/max_tokens|max_output|maximum.*output|output tokens/.test(m))
    return "lower maxOutputTokens in the proposer config to the model's output limit";
  if (
    /too long|context length|context window|maximum context|prompt is too|too many tokens|request_too_large/.test(
      m,
    )
  )
    return "lower contextTokens in the proposer config to the model's context window (adrs trims prompts to fit it)";
  if (/credit|billing|spend|quota|balance|limit reached|usage limit/.test(m))
    return "raise the account's spend limit or credit with the provider, or use another key";
  if (/temperature/.test(m)) return 'remove temperature from the proposer config (this model takes none)';
  return 'fix the proposer config (model, maxOutputTokens, contextTokens) so the provider accepts the request';
}
