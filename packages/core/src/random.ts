/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32). Pure TypeScript with no
 * tfjs import, so datasets and browsers can use it alone via `@implicitrm/core/random`. The full
 * state is four uint32 words: `getState()`/`setState()` make runs resumable and reproducible.
 */
export class Rng {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed: number | string) {
    let h = typeof seed === "number" ? seed >>> 0 : hashString(seed);
    for (let i = 0; i < 4; i++) {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
  }

  /** A uint32. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Box-Muller, caching the second draw). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** 1 with probability p, else 0. */
  bernoulli(p: number): 0 | 1 {
    return this.next() < p ? 1 : 0;
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** The generator's full state, for checkpoints. */
  getState(): number[] {
    return [...this.s, this.spareNormal === null ? Number.NaN : this.spareNormal];
  }

  /** Restores a state from `getState()`. */
  setState(state: readonly number[]): void {
    for (let i = 0; i < 4; i++) this.s[i] = state[i]! >>> 0;
    const spare = state[4];
    this.spareNormal = spare === undefined || Number.isNaN(spare) ? null : spare;
  }
}

/** Derives an independent seed from a base seed and a label (e.g. the epoch, "init", "split"). */
export function deriveSeed(seed: number, label: string | number): number {
  return hashString(`${seed >>> 0}:${label}`);
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a 32-bit hash of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
