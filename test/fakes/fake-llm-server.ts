// Shared engine of the fake LLM servers: a real HTTP server on 127.0.0.1:0 that plays a script and records requests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reaction to a request. */
export type FakeStep =
  | {
      kind: 'answer';
      text: string;
      usage?: Partial<FakeUsage>;
      stopReason?: string;
      delayMs?: number;
      /** Streaming only: the stream breaks (an SSE error event) after the first text delta. */
      breakStream?: boolean;
      /** Reasoning the server returns apart from the content (OpenAI-compatible `reasoning_content`). */
      reasoning?: string;
    }
  | {
      kind: 'error';
      status: number;
      type?: string;
      message?: string;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  /** Never answers: only the client's timeout (or close()) ends it. */
  | { kind: 'hang' }
  /** Destroys the socket without an answer (a connection error). */
  | { kind: 'drop' };

export interface FakeUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined when it was not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  raw: string;
}

export interface FakeServerOptions {
  /** Played in order, one step per request. */
  script?: FakeStep[];
  /** Delay before every answer or error (ms). */
  delayMs?: number;
  /** What to do once the script is used up (e.g. keep returning an edit); without it, a 500 error. */
  defaultAnswer?: (request: RecordedRequest, index: number) => string | FakeStep;
  /** Models API (GET <modelsPath>/<id>): the ids that exist; default: every id exists. */
  models?: string[];
}

export interface FakeServer {
  /** The base URL to give the SDK (`baseURL`). */
  url: string;
  /** Every request received, in order (Models API look-ups are in modelChecks instead). */
  requests: RecordedRequest[];
  /** Model ids asked about through the Models API. */
  modelChecks: string[];
  close(): Promise<void>;
}

export interface Dialect {
  /** The path the SDK posts to. */
  path: string;
  /** The base URL suffix the SDK expects (Anthropic: none; OpenAI: "/v1"). */
  urlSuffix: string;
  answerBody(step: Extract<FakeStep, { kind: 'answer' }>, request: RecordedRequest, n: number): unknown;
  errorBody(status: number, type: string | undefined, message: string): unknown;
  /** The server's own checks of a request (documented refusals), played before the script; undefined: accepted. */
  validate?(request: RecordedRequest): Extract<FakeStep, { kind: 'error' }> | undefined;
  /** Answers a request with `"stream": true` as server-sent events. */
  streamAnswer?(
    step: Extract<FakeStep, { kind: 'answer' }>,
    request: RecordedRequest,
    n: number,
    res: ServerResponse,
  ): void;
  /** The Models API path (GET <modelsPath>/<id>), when the dialect has one. */
  modelsPath?: string;
  modelBody?(id: string): unknown;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_fake_${Date.now()}`,
    ...headers,
  });
  res.end(JSON.stringify(body));
}

export async function startFakeServer(dialect: Dialect, opts: FakeServerOptions = {}): Promise<FakeServer> {
  const script = [...(opts.script ?? [])];
  const requests: RecordedRequest[] = [];
  const modelChecks: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0]!,
        headers: { ...req.headers },
        body,
        raw,
      };
      const modelsPath = dialect.modelsPath;
      if (
        recorded.method === 'GET' &&
        modelsPath &&
        recorded.path.startsWith(modelsPath + '/') &&
        dialect.modelBody
      ) {
        const id = decodeURIComponent(recorded.path.slice(modelsPath.length + 1));
        modelChecks.push(id);
        if (opts.models && !opts.models.includes(id))
          send(res, 404, dialect.errorBody(404, 'not_found_error', `model: ${id}`));
        else send(res, 200, dialect.modelBody(id));
        return;
      }
      requests.push(recorded);
      const n = requests.length - 1;
      if (recorded.method !== 'POST' || recorded.path !== dialect.path) {
        send(
          res,
          404,
          dialect.errorBody(404, 'not_found_error', `fake: no route ${recorded.method} ${recorded.path}`),
        );
        return;
      }
      let step: FakeStep | undefined = dialect.validate?.(recorded) ?? script.shift();
      if (!step && opts.defaultAnswer) {
        const made = opts.defaultAnswer(recorded, n);
        step = typeof made === 'string' ? { kind: 'answer', text: made } : made;
      }
      step ??= { kind: 'error', status: 500, type: 'api_error', message: 'fake: script used up' };
      if (step.kind === 'hang') return;
      if (step.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      const delay = (step.delayMs ?? 0) + (opts.delayMs ?? 0);
      if (delay > 0) await sleep(delay);
      if (step.kind === 'error')
        send(
          res,
          step.status,
          dialect.errorBody(step.status, step.type, step.message ?? `fake error ${step.status}`),
          step.headers,
        );
      else if (recorded.body?.stream === true && dialect.streamAnswer)
        dialect.streamAnswer(step, recorded, n, res);
      else send(res, 200, dialect.answerBody(step, recorded, n));
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, dialect.errorBody(500, 'api_error', `fake: ${String(error)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${dialect.urlSuffix}`,
    requests,
    modelChecks,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Rough tokens of a text (4 characters a token), for the usage the fakes report. */
export const fakeTokens = (text: string): number => Math.ceil(text.length / 4);

// ---- script helpers ----

export const answer = (
  text: string,
  extra: Omit<Extract<FakeStep, { kind: 'answer' }>, 'kind' | 'text'> = {},
): FakeStep => ({
  kind: 'answer',
  text,
  ...extra,
});
export const httpError = (
  status: number,
  extra: Omit<Extract<FakeStep, { kind: 'error' }>, 'kind' | 'status'> = {},
): FakeStep => ({ kind: 'error', status, ...extra });
/** 429 with `retry-after: <seconds>`. */
export const rateLimited = (retryAfterSeconds: number): FakeStep =>
  httpError(429, {
    type: 'rate_limit_error',
    message: 'rate limited',
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
export const overloaded = (): FakeStep => httpError(529, { type: 'overloaded_error', message: 'Overloaded' });
export const serverError = (): FakeStep =>
  httpError(500, { type: 'api_error', message: 'Internal server error' });
export const hang = (): FakeStep => ({ kind: 'hang' });
export const drop = (): FakeStep => ({ kind: 'drop' });

/** An answer made of SEARCH/REPLACE blocks (file null: no file-name line). */
export function searchReplace(
  blocks: { file: string | null; search: string; replace: string }[],
  summary = 'a scripted edit',
): string {
  const parts = blocks.map(
    (b) =>
      `${b.file === null ? '' : b.file + '\n'}<<<<<<< SEARCH\n${b.search}\n=======\n${b.replace}\n>>>>>>> REPLACE`,
  );
  return `Summary: ${summary}\n\n${parts.join('\n\n')}\n`;
}

/** An answer with a whole-file rewrite in a fenced block. */
export function rewriteAnswer(file: string, code: string, summary = 'a scripted rewrite'): string {
  return `Summary: ${summary}\n\n${file}\n\`\`\`python\n${code.replace(/\n$/, '')}\n\`\`\`\n`;
}
