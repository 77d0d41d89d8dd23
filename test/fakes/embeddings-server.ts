// A fake embeddings server on 127.0.0.1 speaking the wire formats the real SDK/HTTP clients read: OpenAI's
// POST /v1/embeddings (float or base64 vectors, usage.prompt_tokens) and Voyage's (input_type, usage.total_tokens,
// errors as {"detail": ...}). Vectors are a hashed bag of words of the text unless the test supplies its own.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmbeddingsRequest {
  authorization: string | undefined;
  body: { model?: unknown; input?: unknown; encoding_format?: unknown; input_type?: unknown };
}

export interface EmbeddingsServer {
  /** Base URL ending in /v1, as OpenAI-compatible and Voyage base URLs do. */
  url: string;
  requests: EmbeddingsRequest[];
  /** Every text embedded so far, in order. */
  inputs: string[];
  /** When set, every request fails with this HTTP status. */
  failWith: number | undefined;
  close(): Promise<void>;
}

export interface EmbeddingsServerOptions {
  dialect: 'openai' | 'voyage';
  /** The bearer key the server requires (401 otherwise); unset: any or none. */
  key?: string;
  /** A careless server: its 401 message quotes the Authorization header it got (redaction must catch it). */
  echoKey?: boolean;
  /** The vector of a text; default: a 256-dimensional hashed bag of words. */
  embed?: (text: string) => number[];
}

/** Counts of whitespace-separated words hashed into 256 buckets: texts sharing most words are close. */
export function bagOfWords(text: string): number[] {
  const v = new Array<number>(256).fill(0);
  for (const w of text.split(/\s+/).filter(Boolean)) v[createHash('md5').update(w).digest()[0]!]! += 1;
  return v;
}

/**
 * A bag of words blind to the unused constants the scripted proposer's "neutral" steps add (`UNUSED_7 = 7`), as a
 * real embedding model rates a program with one more unused line as the same program: such proposals pass the token
 * check (their code differs) and the embeddings call them identical (cosine 1).
 */
export function ignoresUnused(text: string): number[] {
  return bagOfWords(
    text
      .split('\n')
      .filter((l) => !/^UNUSED_\d+ = \d+$/.test(l))
      .join('\n'),
  );
}

const tokensOf = (s: string): number => Math.ceil(s.length / 4);

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

export async function startEmbeddingsServer(opts: EmbeddingsServerOptions): Promise<EmbeddingsServer> {
  const embed = opts.embed ?? bagOfWords;
  const requests: EmbeddingsRequest[] = [];
  const inputs: string[] = [];
  const state: { failWith: number | undefined } = { failWith: undefined };
  const error = (status: number, message: string): unknown =>
    opts.dialect === 'voyage'
      ? { detail: message }
      : { error: { message, type: 'invalid_request_error', param: null, code: null } };
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') return send(404, error(404, 'not found'));
      let body: EmbeddingsRequest['body'];
      try {
        body = (await readJson(req)) as EmbeddingsRequest['body'];
      } catch {
        return send(400, error(400, 'body is not JSON'));
      }
      requests.push({ authorization: req.headers.authorization, body });
      if (state.failWith !== undefined)
        return send(state.failWith, error(state.failWith, 'the server is failing'));
      if (opts.key !== undefined && req.headers.authorization !== `Bearer ${opts.key}`)
        return send(
          401,
          error(
            401,
            `Incorrect API key provided${opts.echoKey ? `: ${req.headers.authorization ?? ''}` : ''}`,
          ),
        );
      const list = typeof body.input === 'string' ? [body.input] : body.input;
      if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string'))
        return send(400, error(400, "'input' must be a string or a non-empty list of strings"));
      if (typeof body.model !== 'string' || body.model === '')
        return send(400, error(400, "'model' is required"));
      if (opts.dialect === 'voyage') {
        if (list.length > 128) return send(400, error(400, 'The max allowed input list length is 128'));
        if (![undefined, null, 'query', 'document'].includes(body.input_type as string | undefined))
          return send(400, error(400, "input_type must be null, 'query' or 'document'"));
      }
      inputs.push(...list);
      const base64 = opts.dialect === 'openai' && body.encoding_format === 'base64';
      const data = list.map((text, index) => {
        const v = embed(text);
        return {
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(Float32Array.from(v).buffer).toString('base64') : v,
        };
      });
      const tokens = list.reduce((n, t) => n + tokensOf(t), 0);
      send(200, {
        object: 'list',
        data,
        model: body.model,
        usage:
          opts.dialect === 'voyage'
            ? { total_tokens: tokens }
            : { prompt_tokens: tokens, total_tokens: tokens },
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    inputs,
    get failWith() {
      return state.failWith;
    },
    set failWith(s) {
      state.failWith = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
