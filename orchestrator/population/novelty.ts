// Novelty rejection: a local code-similarity measure (exact Jaccard over shingles of comment-free tokens),
// compared within an island, so near-duplicate proposals are stored as rejected instead of evaluated.

/** Tokens per shingle: long enough that reordering statements changes them, short enough for small edits to show. */
const SHINGLE = 3;

export interface NoveltyMatch {
  /** The candidate the proposal nearly duplicates. */
  duplicateOf: string;
  /** Jaccard similarity of the two shingle sets, 0..1. */
  similarity: number;
}

/** Whether a file uses `#` line comments (Python, shell, YAML) rather than C-style `//` and `/* *\/`. */
function hashComments(file: string): boolean {
  return /\.(py|pyi|sh|ya?ml|toml|r|rb)$/i.test(file);
}

// Strings come before comments in each alternation, so a `#` or `//` inside a string literal stays code.
const HASH_LANG =
  /("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(#[^\n]*)|([A-Za-z_]\w*|\d[\w.]*|\S)/g;
const C_LANG =
  /("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|([A-Za-z_]\w*|\d[\w.]*|\S)/g;

/**
 * The code's tokens without comments and layout: identifiers, numbers, string literals and single punctuation
 * characters. Whitespace-only and comment-only edits give the same tokens; any change to code does not.
 */
export function codeTokens(file: string, code: string): string[] {
  const re = new RegExp(hashComments(file) ? HASH_LANG : C_LANG);
  const out: string[] = [];
  for (const m of code.matchAll(re)) {
    if (m[2] !== undefined) continue;
    out.push(m[1] ?? m[3]!);
  }
  return out;
}

/** The set of token shingles of all evolved files (a file marker between files, sorted by path). */
export function shinglesOf(files: Record<string, string>): Set<string> {
  const tokens: string[] = [];
  for (const f of Object.keys(files).sort()) tokens.push(`\u0000${f}`, ...codeTokens(f, files[f]!));
  const set = new Set<string>();
  if (tokens.length < SHINGLE) set.add(tokens.join('\u0001'));
  for (let i = 0; i + SHINGLE <= tokens.length; i++) set.add(tokens.slice(i, i + SHINGLE).join('\u0001'));
  return set;
}

/** Exact Jaccard similarity |A ∩ B| / |A ∪ B| (1 for two empty sets). */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let both = 0;
  for (const s of small) if (large.has(s)) both++;
  return both / (a.size + b.size - both);
}

/**
 * The programs of each island that a proposal is compared with: the island's population members (passed in by
 * the caller) and every proposal this index accepted on the island (evaluated or still queued, correct or not:
 * a duplicate of a failed program fails too). Shingle sets are cached by candidate id.
 */
export class NoveltyIndex {
  private readonly shingles = new Map<string, Set<string>>();
  private readonly accepted = new Map<number, string[]>();

  constructor(
    /** Similarity at or above which a proposal is a near-duplicate (1: only comment/layout edits). */
    readonly threshold: number,
    /** The evolved files of a stored candidate, by id (undefined when unknown). */
    private readonly filesOf: (id: string) => Record<string, string> | undefined,
  ) {}

  /** Remembers an accepted proposal (or, on resume, a stored candidate) of an island. */
  accept(island: number, id: string, files?: Record<string, string>): void {
    if (files) this.shingles.set(id, shinglesOf(files));
    const list = this.accepted.get(island) ?? [];
    list.push(id);
    this.accepted.set(island, list);
  }

  /** The ids a proposal on the island is compared with: `members` and the island's accepted proposals. */
  pool(island: number, members: readonly string[]): string[] {
    return [...new Set([...members, ...(this.accepted.get(island) ?? [])])];
  }

  /** The most similar program at or above the threshold among `members` and the island's accepted proposals. */
  check(island: number, members: readonly string[], files: Record<string, string>): NoveltyMatch | undefined {
    const mine = shinglesOf(files);
    let best: NoveltyMatch | undefined;
    for (const id of this.pool(island, members)) {
      const theirs = this.shinglesFor(id);
      if (!theirs) continue;
      const similarity = jaccard(mine, theirs);
      if (similarity >= this.threshold && (best === undefined || similarity > best.similarity))
        best = { duplicateOf: id, similarity };
      if (best?.similarity === 1) break;
    }
    return best;
  }

  private shinglesFor(id: string): Set<string> | undefined {
    let s = this.shingles.get(id);
    if (s === undefined) {
      const files = this.filesOf(id);
      if (!files) return undefined;
      s = shinglesOf(files);
      this.shingles.set(id, s);
    }
    return s;
  }
}

/** The line the model reads when its proposal was rejected as a near-duplicate (by tokens, embeddings or the judge). */
export function duplicateNote(
  m: NoveltyMatch & { check?: 'tokens' | 'embedding' | 'judge'; reason?: string },
  parentId: string,
): string {
  const what = m.duplicateOf === parentId ? 'the parent program itself' : `program ${m.duplicateOf}`;
  const how =
    m.check === 'embedding' || m.check === 'judge'
      ? `embedding similarity ${m.similarity.toFixed(4)}${m.check === 'judge' && m.reason ? `; a reviewer said: ${m.reason}` : ''}`
      : `token similarity ${m.similarity.toFixed(3)}; comments and whitespace are ignored`;
  return (
    `Your previous answer was rejected without evaluation: it is a near-duplicate of ${what} (${how}). ` +
    'Propose a change to the code itself that no earlier program has tried.'
  );
}
