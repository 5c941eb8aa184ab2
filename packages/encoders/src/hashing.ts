/**
 * The zero-download text encoder: signed feature hashing of word n-grams and character n-grams.
 * Pure TypeScript with no I/O, so it runs the same in Node and in browsers
 * (`import { HashingEncoder } from "@implicitrm/encoders/hashing"`).
 */
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { type EncodeOptions, type Encoder, type TextPair, checkPairs, formatPlainPair, throwIfAborted } from "./encoder.js";

export type { EncodeOptions, Encoder, TextPair } from "./encoder.js";
export { encodePairs, formatPlainPair } from "./encoder.js";

/** Options of {@link HashingEncoder}; every field has a default. */
export interface HashingEncoderOptions {
  /** Output dimension (hash buckets), an integer in [2, 2^24]. Default 1024. */
  dim?: number;
  /** Word n-gram lengths [min, max], in words; `null` turns word features off. Default [1, 2] (unigrams + bigrams). */
  wordNgrams?: readonly [number, number] | null;
  /** Character n-gram lengths [min, max], in UTF-16 code units; `null` turns them off. Default [3, 5]. */
  charNgrams?: readonly [number, number] | null;
  /**
   * Weight of each feature group. Each group's bucket vector is L2-normalised on its own, scaled by
   * its weight, then the sum is L2-normalised again, so long texts' many character n-grams do not
   * drown the word features. Default `{ words: 1, chars: 1 }`.
   */
  weights?: { words?: number; chars?: number };
  /** Replace each bucket value v by sign(v)(1 + ln|v|) when |v| >= 1 (sublinear term frequency). Default false. */
  sublinearTf?: boolean;
  /** Lower-case the text (after Unicode NFKC normalisation, which is always applied). Default true. */
  lowercase?: boolean;
  /** Hash seed: a different seed gives an independent hashing. Integer, default 0. */
  seed?: number;
  /**
   * What an empty or whitespace-only text gives: `'error'` rejects with a DataError naming the row;
   * `'zero'` returns an all-zero row (the only row that is not unit-length). Default 'error'.
   */
  onEmpty?: "error" | "zero";
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// Namespace salts keep a word "abc" and the character trigram "abc" in different buckets.
/** Seed salt of word n-gram features. */
export const SALT_WORD = 0x5bd1e995;
/** Seed salt of character n-gram features. */
export const SALT_CHAR = 0x27d4eb2f;

/** MurmurHash3's 32-bit finaliser: full avalanche of an FNV state. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The stable 32-bit feature hash used by {@link HashingEncoder}: FNV-1a (32-bit) over the UTF-16
 * code units of `s`, starting from the FNV offset basis XOR `seed`, then `fmix32(h ^ s.length)`
 * (MurmurHash3's finaliser). A word n-gram `g` (its words joined by single spaces) hashes as
 * `featureHash(g, seed ^ 0x5bd1e995)`, a character n-gram as `featureHash(g, seed ^ 0x27d4eb2f)`;
 * the feature goes to bucket `(h & 0x7fffffff) % dim` with sign `h >>> 31 ? -1 : +1`.
 */
export function featureHash(s: string, seed = 0): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return fmix32(h ^ s.length);
}

const WORD_RE = /[\p{L}\p{N}]+(?:['\u2019][\p{L}\p{N}]+)*/gu;

/**
 * Deterministic hashing encoder: word n-grams (default unigrams and bigrams) and character
 * n-grams (default 3–5, over the whitespace-collapsed text padded with one space at each end),
 * each hashed with {@link featureHash} into `dim` buckets with a ±1 sign from another hash bit
 * (signed feature hashing, so collisions cancel in expectation), optional sublinear tf, group
 * weighting, and a final L2 normalisation. No vocabulary, no download, no state: the same text
 * and options give the same vector on every machine.
 */
export class HashingEncoder implements Encoder {
  readonly id: string;
  readonly dim: number;
  readonly config: Readonly<Record<string, unknown>>;
  private readonly wordRange: readonly [number, number] | null;
  private readonly charRange: readonly [number, number] | null;
  private readonly wWords: number;
  private readonly wChars: number;
  private readonly sublinear: boolean;
  private readonly lowercase: boolean;
  private readonly seed: number;
  private readonly onEmpty: "error" | "zero";
  private readonly wordBuf: Float32Array;
  private readonly charBuf: Float32Array;

  constructor(opts: HashingEncoderOptions = {}) {
    const dim = opts.dim ?? 1024;
    if (!Number.isInteger(dim) || dim < 2 || dim > 1 << 24) {
      throw new ConfigError(`HashingEncoder: dim must be an integer in [2, 16777216], got ${dim}`);
    }
    const range = (name: string, r: readonly [number, number] | null | undefined, def: [number, number]) => {
      if (r === null) return null;
      const v = r ?? def;
      if (!Array.isArray(v) || v.length !== 2 || !Number.isInteger(v[0]) || !Number.isInteger(v[1]) || v[0] < 1 || v[1] < v[0] || v[1] > 16) {
        throw new ConfigError(`HashingEncoder: ${name} must be [min, max] integers with 1 <= min <= max <= 16, got ${JSON.stringify(r)}`);
      }
      return [v[0], v[1]] as const;
    };
    this.wordRange = range("wordNgrams", opts.wordNgrams, [1, 2]);
    this.charRange = range("charNgrams", opts.charNgrams, [3, 5]);
    if (!this.wordRange && !this.charRange) {
      throw new ConfigError("HashingEncoder: wordNgrams and charNgrams are both null; enable at least one");
    }
    this.wWords = opts.weights?.words ?? 1;
    this.wChars = opts.weights?.chars ?? 1;
    for (const [k, w] of [["words", this.wWords], ["chars", this.wChars]] as const) {
      if (!Number.isFinite(w) || w < 0) throw new ConfigError(`HashingEncoder: weights.${k} must be a finite number >= 0, got ${w}`);
    }
    this.sublinear = opts.sublinearTf ?? false;
    this.lowercase = opts.lowercase ?? true;
    this.seed = (opts.seed ?? 0) | 0;
    this.onEmpty = opts.onEmpty ?? "error";
    if (this.onEmpty !== "error" && this.onEmpty !== "zero") {
      throw new ConfigError(`HashingEncoder: onEmpty must be 'error' or 'zero', got ${JSON.stringify(opts.onEmpty)}`);
    }
    this.dim = dim;
    this.id = `hashing-${dim}`;
    this.config = {
      algorithm: "fnv1a-fmix32-signed/v1",
      dim,
      wordNgrams: this.wordRange,
      charNgrams: this.charRange,
      weights: { words: this.wWords, chars: this.wChars },
      sublinearTf: this.sublinear,
      lowercase: this.lowercase,
      seed: this.seed,
    };
    this.wordBuf = new Float32Array(dim);
    this.charBuf = new Float32Array(dim);
  }

  /** Encodes texts to `texts.length * dim` floats, each row unit-length (see `onEmpty`). Synchronous work, chunked for progress. */
  async encode(texts: readonly string[], opts?: EncodeOptions): Promise<Float32Array> {
    return this.encodeSync(texts, opts);
  }

  /** Encodes pairs with the plain template (`prompt + "\n\n" + response`). */
  async encodePairs(pairs: readonly TextPair[], opts?: EncodeOptions): Promise<Float32Array> {
    checkPairs(pairs);
    return this.encodeSync(pairs.map(formatPlainPair), opts);
  }

  /** The synchronous form of {@link encode}, for callers that cannot await (e.g. a browser worker loop). */
  encodeSync(texts: readonly string[], opts?: EncodeOptions): Float32Array {
    const out = new Float32Array(texts.length * this.dim);
    const step = 256;
    for (let i = 0; i < texts.length; i++) {
      if (i % step === 0) throwIfAborted(opts?.signal);
      const t = texts[i];
      if (typeof t !== "string") throw new DataError(`text must be a string, got ${t === null ? "null" : typeof t}`, { row: i });
      if (!this.encodeOne(t, out, i * this.dim) && this.onEmpty === "error") {
        throw new DataError("empty text: there is nothing to encode; drop the row, give it text, or use onEmpty: 'zero'", { row: i });
      }
      if (opts?.onProgress && ((i + 1) % step === 0 || i + 1 === texts.length)) opts.onProgress({ done: i + 1, total: texts.length });
    }
    return out;
  }

  /** Writes one text's vector at `out[offset..]`; returns false when the text had no features. */
  private encodeOne(text: string, out: Float32Array, offset: number): boolean {
    let s = text.normalize("NFKC");
    if (this.lowercase) s = s.toLowerCase();
    s = s.replace(/\s+/g, " ").trim();
    if (s.length === 0) return false;
    const dim = this.dim;
    const words = this.wordBuf.fill(0);
    const chars = this.charBuf.fill(0);
    let nWord = 0;
    let nChar = 0;

    if (this.wordRange) {
      const [minN, maxN] = this.wordRange;
      const starts: number[] = [];
      const ends: number[] = [];
      for (const m of s.matchAll(WORD_RE)) {
        starts.push(m.index);
        ends.push(m.index + m[0].length);
      }
      const seed = (FNV_OFFSET ^ this.seed ^ SALT_WORD) >>> 0;
      for (let i = 0; i < starts.length; i++) {
        let h = seed;
        let len = 0;
        for (let n = 1; n <= maxN && i + n - 1 < starts.length; n++) {
          const w = i + n - 1;
          if (n > 1) {
            h = Math.imul(h ^ 0x20, FNV_PRIME); // the space between words
            len++;
          }
          for (let c = starts[w]!; c < ends[w]!; c++) h = Math.imul(h ^ s.charCodeAt(c), FNV_PRIME);
          len += ends[w]! - starts[w]!;
          if (n >= minN) {
            const f = fmix32(h ^ len);
            words[(f & 0x7fffffff) % dim]! += f >>> 31 ? -1 : 1;
            nWord++;
          }
        }
      }
    }

    if (this.charRange) {
      const [minN, maxN] = this.charRange;
      const padded = ` ${s} `;
      const L = padded.length;
      const seed = (FNV_OFFSET ^ this.seed ^ SALT_CHAR) >>> 0;
      for (let i = 0; i + minN <= L; i++) {
        let h = seed;
        for (let k = 0; k < maxN && i + k < L; k++) {
          h = Math.imul(h ^ padded.charCodeAt(i + k), FNV_PRIME);
          if (k + 1 >= minN) {
            const f = fmix32(h ^ (k + 1));
            chars[(f & 0x7fffffff) % dim]! += f >>> 31 ? -1 : 1;
            nChar++;
          }
        }
      }
    }

    if (nWord === 0 && nChar === 0) return false;
    const wn = nWord > 0 ? this.wWords / this.groupNorm(words) : 0;
    const cn = nChar > 0 ? this.wChars / this.groupNorm(chars) : 0;
    let ss = 0;
    for (let j = 0; j < dim; j++) {
      const v = (wn === 0 ? 0 : words[j]! * wn) + (cn === 0 ? 0 : chars[j]! * cn);
      out[offset + j] = v;
      ss += v * v;
    }
    if (ss === 0) return true; // every feature cancelled out (vanishingly rare); a zero row, not an error.
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < dim; j++) out[offset + j]! *= inv;
    return true;
  }

  /** Applies sublinear tf in place when enabled and returns the group's L2 norm (Infinity when 0, so its weight is 0). */
  private groupNorm(v: Float32Array): number {
    let ss = 0;
    for (let j = 0; j < v.length; j++) {
      let x = v[j]!;
      if (this.sublinear && (x >= 1 || x <= -1)) {
        x = Math.sign(x) * (1 + Math.log(Math.abs(x)));
        v[j] = x;
      }
      ss += x * x;
    }
    return ss === 0 ? Number.POSITIVE_INFINITY : Math.sqrt(ss);
  }
}
