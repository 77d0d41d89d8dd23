// Embedding clients for novelty rejection: an OpenAI-compatible /v1/embeddings endpoint through the `openai` SDK
// (OpenAI, vLLM, Ollama), or Voyage's REST API. One request per batch; the key is read here and never leaves.
import OpenAI from 'openai';
import { z } from 'zod';

export interface EmbeddingsConfig {
  provider: 'openai' | 'voyage';
  model: string;
  baseUrl?: string | undefined;
  apiKeyEnv?: string | undefined;
  priceUsdPerMTok?: number | undefined;
  timeoutMs: number;
}

export interface EmbedResult {
  /** One vector per input, in input order. */
  vectors: number[][];
  /** Input tokens the provider billed (0 when it did not say). */
  tokens: number;
  costUsd: number;
}

export interface Embedder {
  provider: 'openai' | 'voyage';
  model: string;
  /** The endpoint, for records (never the key). */
  url: string;
  embed(texts: string[], signal?: AbortSignal): Promise<EmbedResult>;
}

/**
 * Retries of one request after a connection error, 429 or 5xx (a kept-alive socket the server just closed is the
 * common case): the SDK's own for OpenAI-compatible servers, this loop for Voyage. Then the endpoint counts as down.
 */
const RETRIES = 2;
const RETRY_BASE_MS = 500;
const RETRY_STATUS = new Set([408, 409, 429, 500, 502, 503, 504]);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const OPENAI_URL = 'https://api.openai.com/v1';
const VOYAGE_URL = 'https://api.voyageai.com/v1';
/** Voyage accepts at most 128 inputs per request; OpenAI 2,048. Batches stay under both. */
export const EMBED_BATCH = 64;

/** List prices, USD per million input tokens (OpenAI pricing page, 2026); other models cost 0 unless configured. */
const EMBED_PRICES: Record<string, number> = {
  'text-embedding-3-small': 0.02,
  'text-embedding-3-large': 0.13,
  'text-embedding-ada-002': 0.1,
};

const responseSchema = z.object({
  data: z.array(z.looseObject({ embedding: z.array(z.number()), index: z.number().int().nonnegative() })),
  usage: z
    .looseObject({ total_tokens: z.number().optional(), prompt_tokens: z.number().optional() })
    .optional(),
});

/** The vectors in input order, checked: one per input, all of one length. */
function ordered(raw: unknown, n: number, who: string): { vectors: number[][]; tokens: number } {
  const parsed = responseSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${who}: the answer is not an embeddings list (data[].embedding)`);
  const vectors: number[][] = new Array<number[]>(n);
  for (const d of parsed.data.data) if (d.index < n) vectors[d.index] = d.embedding;
  const dims = vectors[0]?.length ?? 0;
  for (let i = 0; i < n; i++)
    if (!vectors[i] || vectors[i]!.length !== dims || dims === 0)
      throw new Error(
        `${who}: the answer has no vector for input ${i} of ${n} (or vectors of unequal length)`,
      );
  const u = parsed.data.usage;
  return { vectors, tokens: u?.total_tokens ?? u?.prompt_tokens ?? 0 };
}

/** A message with every occurrence of the key removed (SDK and fetch errors may echo request details). */
function redact(message: string, key: string): string {
  return key.length >= 4 ? message.split(key).join('[redacted]') : message;
}

/** The embedder for a config; the key comes from `env` (default OPENAI_API_KEY / VOYAGE_API_KEY). */
export function createEmbedder(config: EmbeddingsConfig, env: NodeJS.ProcessEnv = process.env): Embedder {
  const keyEnv = config.apiKeyEnv ?? (config.provider === 'voyage' ? 'VOYAGE_API_KEY' : 'OPENAI_API_KEY');
  const key = env[keyEnv] ?? '';
  const price = config.priceUsdPerMTok ?? EMBED_PRICES[config.model] ?? 0;
  const cost = (tokens: number): number => (tokens * price) / 1e6;
  const url = (config.baseUrl ?? (config.provider === 'voyage' ? VOYAGE_URL : OPENAI_URL)).replace(
    /\/+$/,
    '',
  );
  const who = `${config.provider} embeddings (${url}, model ${config.model})`;
  if (config.provider === 'voyage') {
    if (!key && !config.baseUrl)
      throw new Error(
        `${who}: no API key: set ${keyEnv} in the environment (or name another with apiKeyEnv)`,
      );
    return {
      provider: 'voyage',
      model: config.model,
      url,
      async embed(texts, signal) {
        const request = async (): Promise<Response> =>
          fetch(`${url}/embeddings`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(key ? { authorization: `Bearer ${key}` } : {}),
            },
            // input_type "document": the texts are stored and compared with each other, not queries.
            body: JSON.stringify({ input: texts, model: config.model, input_type: 'document' }),
            signal: signal
              ? AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)])
              : AbortSignal.timeout(config.timeoutMs),
          });
        let res: Response | undefined;
        let text = '';
        for (let attempt = 0; ; attempt++) {
          let failure: string | undefined;
          try {
            res = await request();
            text = await res.text();
            if (res.ok) break;
            failure = `HTTP ${res.status}: ${redact(text.slice(0, 300), key)}`;
            if (!RETRY_STATUS.has(res.status)) throw new Error(`${who}: ${failure}`);
          } catch (error) {
            if (failure !== undefined && !RETRY_STATUS.has(res?.status ?? 0)) throw error;
            failure ??= redact((error as Error).message, key);
          }
          if (attempt >= RETRIES || signal?.aborted) throw new Error(`${who}: ${failure}`);
          await sleep(RETRY_BASE_MS * 2 ** attempt);
        }
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          throw new Error(`${who}: the answer is not JSON`);
        }
        const out = ordered(raw, texts.length, who);
        return { ...out, costUsd: cost(out.tokens) };
      },
    };
  }
  if (!key && !config.baseUrl)
    throw new Error(`${who}: no API key: set ${keyEnv} in the environment (or name another with apiKeyEnv)`);
  // A local server (vLLM, Ollama) takes any key; the SDK insists on one.
  const client = new OpenAI({
    apiKey: key || 'none',
    baseURL: url,
    maxRetries: RETRIES,
    timeout: config.timeoutMs,
    logLevel: 'off',
  });
  return {
    provider: 'openai',
    model: config.model,
    url,
    async embed(texts, signal) {
      let raw: unknown;
      try {
        // Floats asked for plainly: every compatible server speaks them (base64 is the SDK's default, not all do).
        raw = await client.embeddings.create(
          { model: config.model, input: texts, encoding_format: 'float' },
          signal ? { signal } : {},
        );
      } catch (error) {
        throw new Error(`${who}: ${redact((error as Error).message, key)}`);
      }
      const out = ordered(raw, texts.length, who);
      return { ...out, costUsd: cost(out.tokens) };
    },
  };
}

/** Cosine similarity of two vectors of equal length (0 when either is all zeros). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
