/**
 * Static word vectors (GloVe, word2vec/fastText text format): a text's vector is the mean of its
 * in-vocabulary tokens' vectors. Parsing from a string is browser-safe; reading a file (plain,
 * .gz or .zip) loads Node's fs and zlib lazily.
 */
import { ConfigError, DataError } from "@implicitrm/core/errors";
import {
  type EncodeOptions,
  type Encoder,
  type TextPair,
  checkPairs,
  formatPlainPair,
  l2normalizeRow,
  throwIfAborted,
} from "./encoder.js";
import { featureHash } from "./hashing.js";

/** Options of {@link StaticEncoder}; every field has a default. */
export interface StaticEncoderOptions {
  /** Lower-case text before lookup (GloVe 6B's vocabulary is lower-case). Default true. */
  lowercase?: boolean;
  /** L2-normalise each mean vector. Default true. */
  normalize?: boolean;
  /** Empty or whitespace-only text: `'error'` (DataError naming the row) or `'zero'` (a zero row). Default 'error'. */
  onEmpty?: "error" | "zero";
  /** Name used in the encoder id (`static:<name>`). Default: the file's base name, or "vectors". */
  name?: string;
}

/** Counters over the encoder's lifetime: rows, tokens, out-of-vocabulary tokens, rows with no known token (zero rows). */
export interface StaticEncoderStats {
  rows: number;
  tokens: number;
  oovTokens: number;
  oovRows: number;
}

const TOKEN_RE = /[\p{L}\p{N}]+(?:[.'\u2019-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;
const CLITIC_RE = /^(.+?)(n't|'s|'re|'ll|'ve|'d|'m)$/;

/**
 * Averaged static word vectors. Tokenisation follows GloVe's (Stanford PTB-style) conventions
 * closely enough for lookup: Unicode NFKC, optional lower-casing, words with inner `.`, `'` or `-`
 * kept whole when the vocabulary has them and split otherwise, clitics split (`don't` → `do n't`,
 * `it's` → `it 's`), each punctuation mark a token. A text with tokens but none in the vocabulary
 * gives a zero row (counted in `stats.oovRows`).
 */
export class StaticEncoder implements Encoder {
  readonly id: string;
  readonly dim: number;
  readonly config: Readonly<Record<string, unknown>>;
  /** Number of words in the table. */
  readonly vocabSize: number;
  readonly stats: StaticEncoderStats = { rows: 0, tokens: 0, oovTokens: 0, oovRows: 0 };
  private readonly lowercase: boolean;
  private readonly normalize: boolean;
  private readonly onEmpty: "error" | "zero";

  /**
   * Wraps an existing table: `vocab` maps a word to its row in `vectors` (row-major, `dim` columns).
   * `fingerprint` identifies the table's content for the cache (e.g. a content hash). Prefer
   * {@link StaticEncoder.fromText} or {@link StaticEncoder.fromFile}.
   */
  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    private readonly vectors: Float32Array,
    dim: number,
    fingerprint: string,
    opts: StaticEncoderOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1 || vectors.length !== vocab.size * dim) {
      throw new ConfigError(`StaticEncoder: ${vocab.size} words × dim ${dim} does not match ${vectors.length} floats`);
    }
    this.dim = dim;
    this.vocabSize = vocab.size;
    this.lowercase = opts.lowercase ?? true;
    this.normalize = opts.normalize ?? true;
    this.onEmpty = opts.onEmpty ?? "error";
    this.id = `static:${opts.name ?? "vectors"}`;
    this.config = {
      algorithm: "mean-word-vectors/v1",
      table: fingerprint,
      dim,
      vocabSize: vocab.size,
      lowercase: this.lowercase,
      normalize: this.normalize,
    };
  }

  /**
   * Parses a word-vector text table (`word f1 … fD` per line, single spaces; an optional word2vec
   * header line `count dim` is skipped) and returns the encoder. Rejects with a DataError naming the
   * line for a row with the wrong number of fields or a non-numeric value. Duplicate words keep their
   * first vector. About 0.1 s for GloVe 6B 50-d top-10k (4 MB).
   */
  static fromText(text: string, opts: StaticEncoderOptions = {}, file = "<text>"): StaticEncoder {
    const lines = text.split("\n");
    let dim = -1;
    const vocab = new Map<string, number>();
    let data = new Float32Array(1024);
    let rows = 0;
    for (let ln = 0; ln < lines.length; ln++) {
      let line = lines[ln]!;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.trim().length === 0) continue;
      const parts = line.split(" ");
      if (parts[parts.length - 1] === "") parts.pop(); // trailing space, as in some fastText files
      if (dim < 0) {
        if (parts.length === 2 && /^\d+$/.test(parts[0]!) && /^\d+$/.test(parts[1]!)) continue; // word2vec header
        dim = parts.length - 1;
        if (dim < 1) throw new DataError("a word-vector line needs a word and at least one number", { file, line: ln + 1 });
      }
      if (parts.length < dim + 1) {
        throw new DataError(`expected a word and ${dim} numbers, found ${parts.length} fields`, { file, line: ln + 1 });
      }
      // Words may contain spaces in some tables (GloVe 840B): the last `dim` fields are the numbers.
      const word = parts.length === dim + 1 ? parts[0]! : parts.slice(0, parts.length - dim).join(" ");
      if (vocab.has(word)) continue;
      if ((rows + 1) * dim > data.length) {
        const next = new Float32Array(Math.max(data.length * 2, (rows + 1) * dim));
        next.set(data);
        data = next;
      }
      const base = parts.length - dim;
      for (let j = 0; j < dim; j++) {
        const v = Number(parts[base + j]);
        if (!Number.isFinite(v)) {
          throw new DataError(`value ${j + 1} of word ${JSON.stringify(word)} is not a finite number: ${JSON.stringify(parts[base + j])}`, {
            file,
            line: ln + 1,
          });
        }
        data[rows * dim + j] = v;
      }
      vocab.set(word, rows++);
    }
    if (rows === 0) throw new DataError("no word vectors found", { file });
    const fingerprint = `fnv64:${featureHash(text, 1).toString(16).padStart(8, "0")}${featureHash(text, 2).toString(16).padStart(8, "0")}:${rows}x${dim}`;
    return new StaticEncoder(vocab, data.slice(0, rows * dim), dim, fingerprint, opts);
  }

  /**
   * Reads a word-vector table from disk: plain text (`.txt`, `.vec`), gzip (`.gz`) or a ZIP archive
   * (`.zip`; its first `.txt`/`.vec` member unless `member` names one). The encoder is named after the
   * file. Rejects with a ConfigError when the file is missing.
   */
  static async fromFile(path: string, opts: StaticEncoderOptions & { member?: string } = {}): Promise<StaticEncoder> {
    const { readFile } = await import("node:fs/promises");
    const { basename } = await import("node:path");
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new ConfigError(`StaticEncoder: cannot read word-vector file ${path}: ${(e as Error).message}`, { cause: e });
    }
    let name = basename(path);
    if (path.endsWith(".zip")) {
      const { listZip, readZipEntry } = await import("./zip.js");
      const entries = listZip(bytes, path);
      const entry = opts.member
        ? entries.find((e) => e.name === opts.member)
        : (entries.find((e) => /\.(txt|vec)$/i.test(e.name)) ?? entries[0]);
      if (!entry) {
        throw new DataError(`no member ${opts.member ?? "(.txt/.vec)"} in the archive; it has: ${entries.map((e) => e.name).join(", ")}`, {
          file: path,
        });
      }
      bytes = readZipEntry(bytes, entry, path);
      name = entry.name;
    } else if (path.endsWith(".gz")) {
      const { gunzipSync } = await import("node:zlib");
      bytes = gunzipSync(bytes);
      name = name.slice(0, -3);
    }
    name = name.replace(/\.(txt|vec)$/i, "");
    return StaticEncoder.fromText(new TextDecoder().decode(bytes), { name, ...opts }, path);
  }

  /** The words of the table, in table order. */
  words(): IterableIterator<string> {
    return this.vocab.keys();
  }

  /** The vector of `word` as stored (a view; do not modify), or undefined when out of vocabulary. */
  lookup(word: string): Float32Array | undefined {
    const r = this.vocab.get(word);
    return r === undefined ? undefined : this.vectors.subarray(r * this.dim, (r + 1) * this.dim);
  }

  /** The tokens of `text` as looked up (after normalisation and clitic splitting), in order. */
  tokenize(text: string): string[] {
    let s = text.normalize("NFKC").replace(/\u2019/g, "'");
    if (this.lowercase) s = s.toLowerCase();
    const out: string[] = [];
    for (const m of s.matchAll(TOKEN_RE)) {
      const tok = m[0];
      if (this.vocab.has(tok) || tok.length === 1) {
        out.push(tok);
        continue;
      }
      const clitic = CLITIC_RE.exec(tok);
      if (clitic) {
        out.push(...this.splitInner(clitic[1]!), clitic[2]!);
        continue;
      }
      out.push(...this.splitInner(tok));
    }
    return out;
  }

  private splitInner(tok: string): string[] {
    if (this.vocab.has(tok) || !/[.'-]/.test(tok)) return [tok];
    const out: string[] = [];
    for (const part of tok.split(/([.'-])/)) if (part) out.push(part);
    return out;
  }

  /** Encodes texts to `texts.length * dim` floats: per row the mean of known token vectors (see class doc). */
  async encode(texts: readonly string[], opts?: EncodeOptions): Promise<Float32Array> {
    const dim = this.dim;
    const out = new Float32Array(texts.length * dim);
    for (let i = 0; i < texts.length; i++) {
      if (i % 256 === 0) throwIfAborted(opts?.signal);
      const t = texts[i];
      if (typeof t !== "string") throw new DataError(`text must be a string, got ${t === null ? "null" : typeof t}`, { row: i });
      const toks = this.tokenize(t);
      if (toks.length === 0 && this.onEmpty === "error") {
        throw new DataError("empty text: there is nothing to encode; drop the row, give it text, or use onEmpty: 'zero'", { row: i });
      }
      const off = i * dim;
      let known = 0;
      for (const tok of toks) {
        const r = this.vocab.get(tok);
        if (r === undefined) continue;
        known++;
        const base = r * dim;
        for (let j = 0; j < dim; j++) out[off + j]! += this.vectors[base + j]!;
      }
      this.stats.rows++;
      this.stats.tokens += toks.length;
      this.stats.oovTokens += toks.length - known;
      if (known === 0) {
        if (toks.length > 0) this.stats.oovRows++;
      } else if (this.normalize) {
        l2normalizeRow(out, off, dim);
      } else {
        for (let j = 0; j < dim; j++) out[off + j]! /= known;
      }
      if (opts?.onProgress && ((i + 1) % 256 === 0 || i + 1 === texts.length)) opts.onProgress({ done: i + 1, total: texts.length });
    }
    return out;
  }

  /** Encodes pairs with the plain template (`prompt + "\n\n" + response`). */
  async encodePairs(pairs: readonly TextPair[], opts?: EncodeOptions): Promise<Float32Array> {
    checkPairs(pairs);
    return this.encode(pairs.map(formatPlainPair), opts);
  }
}
