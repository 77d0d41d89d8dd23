// The Anthropic prompt cache as its documentation describes it, for the fake server: prefixes up to cache_control
// breakpoints, a per-model minimum cacheable length, a 5-minute lifetime refreshed by each hit, a 20-block look-back.
//
// From the prompt-caching guide: the cache key is the whole prompt (tools, system, messages, in that order) up to
// and including the marked block; at most 4 breakpoints; a prefix shorter than the model's minimum is simply not
// cached (no error); for each breakpoint the system also checks up to 20 earlier block boundaries for a hit;
// usage reports cache_creation_input_tokens (written), cache_read_input_tokens (hit) and input_tokens (the rest).
import { createHash } from 'node:crypto';
import { fakeTokens } from './fake-llm-server.js';

export const CACHE_TTL_MS = 5 * 60_000;
export const LOOKBACK_BLOCKS = 20;
export const MAX_BREAKPOINTS = 4;

/** Minimum cacheable prompt length by model family (prompt-caching guide); 1024 for the rest. */
const MINIMUMS: [RegExp, number][] = [
  [/^claude-(opus-4-5|opus-4-6|haiku-4-5)/, 4096],
  [/^claude-(3-haiku|3-5-haiku|haiku-3)/, 2048],
];

export function minimumCacheable(model: string): number {
  return MINIMUMS.find(([re]) => re.test(model))?.[1] ?? 1024;
}

interface Block {
  tokens: number;
  marked: boolean;
  key: string;
}

function blockText(b: unknown): string {
  if (typeof b === 'string') return b;
  const { cache_control: _cc, ...rest } = (b ?? {}) as Record<string, unknown>;
  if (typeof rest['text'] === 'string') return rest['text'];
  return JSON.stringify(rest);
}

/** The request as the cache sees it: one entry per block, each keyed by everything up to it. */
export function flatten(body: Record<string, unknown>): Block[] {
  const raw: unknown[] = [];
  for (const t of (body['tools'] as unknown[]) ?? []) raw.push(t);
  const system = body['system'];
  if (typeof system === 'string') raw.push(system);
  else for (const b of (system as unknown[]) ?? []) raw.push(b);
  for (const m of (body['messages'] as { role: string; content: unknown }[]) ?? []) {
    if (typeof m.content === 'string') raw.push({ role: m.role, text: m.content });
    else for (const b of m.content as unknown[]) raw.push(b);
  }
  let hash = createHash('sha256').update(String(body['model'])).digest('hex');
  return raw.map((b) => {
    hash = createHash('sha256').update(hash).update(blockText(b)).digest('hex');
    const marked = typeof b === 'object' && b !== null && 'cache_control' in b;
    return { tokens: fakeTokens(blockText(b)), marked, key: hash };
  });
}

export interface CacheUsage {
  input: number;
  cacheRead: number;
  cacheWrite: number;
}

export class PromptCacheSim {
  private readonly entries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Applies one request to the cache; returns its usage, or an error message for too many breakpoints. */
  apply(body: Record<string, unknown>): CacheUsage | { error: string } {
    const blocks = flatten(body);
    const marks = blocks.flatMap((b, i) => (b.marked ? [i] : []));
    if (marks.length > MAX_BREAKPOINTS)
      return {
        error: `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${marks.length}.`,
      };
    const prefix: number[] = [];
    blocks.reduce((sum, b, i) => (prefix[i] = sum + b.tokens), 0);
    const total = prefix.at(-1) ?? 0;
    const t = this.now();
    const live = (key: string): boolean => (this.entries.get(key) ?? -Infinity) > t;
    let read = -1;
    for (const m of marks)
      for (let j = m; j >= Math.max(0, m - LOOKBACK_BLOCKS); j--)
        if (live(blocks[j]!.key)) {
          read = Math.max(read, j);
          break;
        }
    if (read >= 0) this.entries.set(blocks[read]!.key, t + CACHE_TTL_MS);
    const min = minimumCacheable(String(body['model']));
    let written = -1;
    for (const m of marks)
      if (m > read && prefix[m]! >= min) {
        this.entries.set(blocks[m]!.key, t + CACHE_TTL_MS);
        written = m;
      }
    const cacheRead = read >= 0 ? prefix[read]! : 0;
    const cacheWrite = written >= 0 ? prefix[written]! - cacheRead : 0;
    return { input: total - cacheRead - cacheWrite, cacheRead, cacheWrite };
  }
}
