/**
 * The encoder contract: text in, row-major Float32 vectors out. Pure TypeScript, browser-safe.
 */
import { DataError } from "@implicitrm/core/errors";

/** A (prompt, response) pair, the unit a reward model scores. */
export interface TextPair {
  prompt: string;
  response: string;
}

/** Progress of one `encode` call: rows finished so far out of `total`. */
export interface EncodeProgress {
  done: number;
  total: number;
}

/** Options every encoder accepts on `encode` / `encodePairs`. */
export interface EncodeOptions {
  /** Called after each batch with the rows finished so far. Default none. */
  onProgress?: (p: EncodeProgress) => void;
  /** Aborts between batches (the promise rejects with the signal's reason). Default none. */
  signal?: AbortSignal;
}

/**
 * Text → vectors. `encode(texts)` resolves to a Float32Array of `texts.length * dim` values, row i
 * at `[i * dim, (i + 1) * dim)`. Encoders are deterministic: the same text and configuration give
 * the same vector, which is what makes the embedding cache valid.
 */
export interface Encoder {
  /** Short, human-readable identity, e.g. `hashing-1024` or `transformer:all-MiniLM-L6-v2:mean`. */
  readonly id: string;
  /** Vector length (floats per row). */
  readonly dim: number;
  /**
   * Everything besides `id` that changes the vectors (model revision or file fingerprint, pooling,
   * normalisation, maximum length, template, options), JSON-serialisable. The embedding cache keys
   * on `(id, config, text)`, so an encoder that leaves something out here risks stale cache hits.
   * Default (when absent): `{}`.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Encodes texts; rejects with a DataError naming the row for an empty text. */
  encode(texts: readonly string[], opts?: EncodeOptions): Promise<Float32Array>;
  /**
   * Encodes (prompt, response) pairs with the encoder's own template and truncation (transformer
   * encoders use the tokenizer's chat template and cut the prompt from the left). Optional: without
   * it, {@link encodePairs} applies {@link formatPlainPair} and calls `encode`.
   */
  encodePairs?(pairs: readonly TextPair[], opts?: EncodeOptions): Promise<Float32Array>;
  /** Frees native resources (sessions, files). Optional; safe to call twice. */
  dispose?(): Promise<void>;
}

/** The separator of the plain pair template: one blank line between prompt and response. */
export const PLAIN_PAIR_SEPARATOR = "\n\n";

/**
 * The plain template for a (prompt, response) pair: `prompt + "\n\n" + response`, or the response
 * alone when the prompt is empty. Used by encoders that have no chat template (hashing, static
 * vectors, and transformer models whose tokenizer has none).
 */
export function formatPlainPair(pair: TextPair): string {
  return pair.prompt.length > 0 ? `${pair.prompt}${PLAIN_PAIR_SEPARATOR}${pair.response}` : pair.response;
}

/**
 * Encodes (prompt, response) pairs with `encoder`: through `encoder.encodePairs` when it has one
 * (a transformer encoder renders the tokenizer's chat template as a user turn and an assistant
 * turn, else the plain template, truncating the prompt from the left), otherwise by formatting each
 * pair with {@link formatPlainPair} and calling `encode`. Rejects with a DataError naming the row
 * when a response is empty (whitespace only counts as empty). Returns `pairs.length * dim` floats.
 */
export async function encodePairs(
  encoder: Encoder,
  pairs: readonly TextPair[],
  opts?: EncodeOptions,
): Promise<Float32Array> {
  checkPairs(pairs);
  if (encoder.encodePairs) return encoder.encodePairs(pairs, opts);
  return encoder.encode(pairs.map(formatPlainPair), opts);
}

/** Throws a DataError naming the first row whose text is not a string or is empty / whitespace only. */
export function checkTexts(texts: readonly string[], what = "text"): void {
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i];
    if (typeof t !== "string") {
      throw new DataError(`${what} must be a string, got ${t === null ? "null" : typeof t}`, { row: i });
    }
    if (t.trim().length === 0) {
      throw new DataError(`empty ${what}: there is nothing to encode; drop the row or give it text`, { row: i });
    }
  }
}

/** Throws a DataError for a pair whose fields are not strings or whose response is empty. */
export function checkPairs(pairs: readonly TextPair[]): void {
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i];
    if (p === null || typeof p !== "object" || typeof p.prompt !== "string" || typeof p.response !== "string") {
      throw new DataError("each pair must be {prompt: string, response: string}", { row: i });
    }
    if (p.response.trim().length === 0) {
      throw new DataError("empty response: there is nothing to encode; drop the row or give it text", {
        row: i,
        field: "response",
      });
    }
  }
}

/** Scales `v[offset, offset + dim)` to unit L2 norm in place; an all-zero row stays zero. */
export function l2normalizeRow(v: Float32Array, offset: number, dim: number): void {
  let ss = 0;
  for (let j = 0; j < dim; j++) {
    const x = v[offset + j]!;
    ss += x * x;
  }
  if (ss === 0) return;
  const inv = 1 / Math.sqrt(ss);
  for (let j = 0; j < dim; j++) v[offset + j]! *= inv;
}

/** Throws the signal's reason if it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error("aborted");
}

/** Cosine similarity of rows `i` and `j` of a row-major matrix with `dim` columns. */
export function cosineRows(m: Float32Array, dim: number, i: number, j: number): number {
  let dot = 0;
  let a = 0;
  let b = 0;
  for (let k = 0; k < dim; k++) {
    const x = m[i * dim + k]!;
    const y = m[j * dim + k]!;
    dot += x * y;
    a += x * x;
    b += y * y;
  }
  return a === 0 || b === 0 ? 0 : dot / Math.sqrt(a * b);
}
