/**
 * The studio's one seeded random source: sfc32, seeded from a seed (any safe
 * integer) and a stream name. Math.random cannot be seeded, and tfjs' own
 * seeded ops re-create their generator on every call (they would repeat the
 * same dropout mask), so everything that draws uses this:
 * - the split planner (one stream per class, `class:<name>`): a split must be
 *   the same on every machine and Node version, and its sequence is frozen —
 *   stored splits and users' seeds rely on it (split-planner.test.ts pins
 *   assignments computed with the splits' generator before it moved here);
 * - training (weight initialisation, shuffling, dropout masks, augmentation),
 *   so that a run with the same seed, data and backend repeats exactly;
 * - the suspects ranking's folds.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = '') {
    const s = Math.floor(seed);
    this.a = s >>> 0;
    this.b = Math.floor(s / 2 ** 32) >>> 0;
    this.c = fnv1a(stream);
    this.d = 0x9e3779b9;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  private nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A fresh generator derived from this one (for independent streams). */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }

  /** Fisher–Yates shuffle in place. */
  shuffleInPlace<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** Fisher–Yates shuffle of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

/** 32-bit FNV-1a of a string's UTF-8 bytes: turns a stream name into seed bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
