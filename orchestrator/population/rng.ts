// A seeded PRNG (sfc32) whose whole state is four numbers, so a run's randomness can be saved and resumed.
//
// Why not a library: sfc32 is ~10 lines, passes PractRand, and the libraries that offer it either hide
// their state (no exact resume) or pull in far more than we need. State is plain JSON.

export type RngState = [number, number, number, number];

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(state: RngState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  /** A generator seeded from one integer (splitmix32 spreads the seed over the four words). */
  static fromSeed(seed: number): Rng {
    let s = seed >>> 0;
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    const rng = new Rng([mix(), mix(), mix(), mix()]);
    for (let i = 0; i < 12; i++) rng.next();
    return rng;
  }

  static fromState(state: RngState): Rng {
    return new Rng([...state]);
  }

  getState(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniformly chosen element; undefined for an empty array. */
  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.int(items.length)];
  }

  /** An index drawn with probability proportional to its (non-negative) weight. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + Math.max(0, w), 0);
    if (total <= 0) return this.int(weights.length);
    let r = this.next() * total;
    for (const [i, w] of weights.entries()) {
      r -= Math.max(0, w);
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** `k` distinct elements in random order (fewer when the array is shorter). */
  sample<T>(items: readonly T[], k: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < k && pool.length > 0) out.push(pool.splice(this.int(pool.length), 1)[0] as T);
    return out;
  }
}
