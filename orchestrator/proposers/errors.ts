// Typed LLM call errors: whether to retry, whether the run must stop, and a one-line fix; never an API key.
import { AdrsError } from '../../core/errors.js';
import { redactSecrets } from '../../core/secrets.js';
import { bodyMessage, refusalFix } from './error-body.js';
import type { TokenUsage } from './prices.js';

export type LlmErrorKind =
  | 'rate-limit'
  | 'overloaded'
  | 'server'
  | 'connection'
  | 'timeout'
  | 'auth'
  | 'not-found'
  | 'bad-request'
  | 'bad-response'
  | 'aborted'
  | 'no-key'
  /** The server read far fewer prompt tokens than were sent: it cut the prompt to its context window. */
  | 'truncated'
  | 'other';

export class LlmError extends AdrsError {
  readonly kind: LlmErrorKind;
  readonly status: number | undefined;
  /** From `retry-after-ms` / `retry-after`, when the server said how long to wait. */
  readonly retryAfterMs: number | undefined;
  /** The run cannot go on with this proposer (bad key, unknown model, a server that truncates prompts). */
  readonly fatal: boolean;
  /** Tokens the provider reported for this failed attempt (it may bill them), when it reported any. */
  usage: TokenUsage | undefined;
  /** What the user should change, for errors that will repeat until they do. */
  readonly fix: string | undefined;

  constructor(
    kind: LlmErrorKind,
    message: string,
    opts: { status?: number; retryAfterMs?: number; cause?: unknown; usage?: TokenUsage; fix?: string } = {},
  ) {
    const retryable = ['rate-limit', 'overloaded', 'server', 'connection', 'timeout'].includes(kind);
    super('llm', message, { cause: opts.cause, isRetryable: retryable });
    this.name = 'LlmError';
    this.kind = kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.fatal = ['auth', 'not-found', 'no-key', 'truncated'].includes(kind);
    this.usage = opts.usage;
    this.fix = opts.fix;
  }
}

/** Milliseconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What an SDK error boils down to, whichever SDK threw it. */
export interface SdkFailure {
  status?: number;
  headers?: Headers;
  message: string;
  /** The parsed error body, when there was one: its message is read from every known shape. */
  body?: unknown;
  timeout?: boolean;
  connection?: boolean;
  aborted?: boolean;
}

export interface ErrorHints {
  /** "anthropic" or "openai-compatible server at http://...". */
  who: string;
  model: string;
  /** Where the key comes from, for the fix text. */
  keyEnv: string;
  env?: NodeJS.ProcessEnv;
  /** Secret values to strip besides the environment's. */
  secrets?: string[];
}

function redact(text: string, hints: ErrorHints): string {
  let out = redactSecrets(text, hints.env ?? process.env);
  for (const s of hints.secrets ?? []) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Classifies a failed request and writes the one-line message users see. */
export function llmErrorFrom(f: SdkFailure, hints: ErrorHints, cause?: unknown): LlmError {
  const detail = redact(bodyMessage(f.body) ?? f.message, hints);
  const who = hints.who;
  if (f.aborted) return new LlmError('aborted', `${who}: request aborted`, { cause });
  if (f.timeout) return new LlmError('timeout', `${who}: no answer before the request timeout`, { cause });
  if (f.status === undefined || f.connection)
    return new LlmError('connection', `${who}: connection failed: ${detail}`, { cause });
  const s = f.status;
  const opts = { status: s, cause, retryAfterMs: retryAfterMs(f.headers) };
  if (s === 401)
    return new LlmError(
      'auth',
      `${who}: the API key was rejected (401): set ${hints.keyEnv} to a valid key`,
      opts,
    );
  if (s === 403)
    return new LlmError(
      'auth',
      `${who}: permission denied (403) for model "${hints.model}": check the account's access or pick another --model`,
      opts,
    );
  if (s === 404)
    return new LlmError(
      'not-found',
      `${who}: model "${hints.model}" not found (404): pick a model the endpoint serves with --model, or fix the base URL`,
      opts,
    );
  if (s === 429) return new LlmError('rate-limit', `${who}: rate limited (429): ${detail}`, opts);
  if (s === 529) return new LlmError('overloaded', `${who}: overloaded (529): ${detail}`, opts);
  if (s === 408 || s === 409 || s >= 500)
    return new LlmError('server', `${who}: server error (${s}): ${detail}`, opts);
  return new LlmError('bad-request', `${who}: request refused (${s}): ${detail}`, {
    ...opts,
    fix: refusalFix(detail),
  });
}

/** The error classes both official SDKs (Anthropic, OpenAI) export, which tell timeouts, aborts and HTTP errors apart. */
export interface SdkErrorClasses {
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIError: abstract new (...args: never[]) => Error;
}

/**
 * Maps whatever an SDK call threw onto an LlmError (with isRetryable), the same way for every provider.
 * @example catch (error) { throw fromSdkError(error, Anthropic, hints); }
 */
export function fromSdkError(error: unknown, sdk: SdkErrorClasses, hints: ErrorHints): LlmError {
  if (error instanceof LlmError) return error;
  if (error instanceof sdk.APIUserAbortError)
    return llmErrorFrom({ aborted: true, message: 'aborted' }, hints, error);
  if (error instanceof sdk.APIConnectionTimeoutError)
    return llmErrorFrom({ timeout: true, message: error.message }, hints, error);
  if (error instanceof sdk.APIConnectionError)
    return llmErrorFrom({ connection: true, message: error.message }, hints, error);
  if (error instanceof sdk.APIError) {
    const e = error as Error & { status?: number; headers?: unknown; apiMessage?: string; body?: unknown };
    if (e.status !== undefined)
      return llmErrorFrom(
        {
          status: e.status,
          headers: e.headers as SdkFailure['headers'],
          message: e.apiMessage ?? e.message,
          body: e.body,
        },
        hints,
        error,
      );
  }
  return llmErrorFrom(
    { connection: true, message: (error as Error)?.message ?? String(error) },
    hints,
    error,
  );
}
