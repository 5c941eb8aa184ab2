/**
 * What the `implicitrm embed` command (and programs) call: encode (prompt, response) rows in
 * chunks through an optional on-disk cache. Building an encoder from a spec is create.ts.
 */
import { ConfigError } from "@implicitrm/core/errors";
import { CachedEncoder, type CacheStats, type EmbeddingCacheOptions } from "./cache.js";
import { type EncodeProgress, type Encoder, type TextPair, checkPairs, encodePairs, throwIfAborted } from "./encoder.js";

/** Options of {@link embedRows}; every field has a default. */
export interface EmbedRowsOptions extends EmbeddingCacheOptions {
  /**
   * Rows per encoder call. Each chunk's new vectors are appended to the cache before the next chunk
   * starts, so an interrupted run keeps its finished chunks. Default 512.
   */
  chunkRows?: number;
  /** Called after each chunk with rows done / total. Default none. */
  onProgress?: (p: EncodeProgress) => void;
  /** Aborts between chunks. Default none. */
  signal?: AbortSignal;
  /** Receives the cache counters when the run ends (only when a cache is used). Default none. */
  onStats?: (s: Readonly<CacheStats>) => void;
  /**
   * Most bytes the returned vectors may take (rows × dim × 4). Default 4 GiB ({@link MAX_EMBEDDING_BYTES}).
   * A larger request is a ConfigError before anything is encoded or allocated.
   */
  maxBytes?: number;
}

/**
 * Default memory budget of {@link embedRows}'s result: 4 GiB of float32 vectors (e.g. 1,000,000
 * rows at dim 1024). `--encoder hashing:16777216` needs 64 MiB per row, so it fits only a few rows.
 */
export const MAX_EMBEDDING_BYTES = 4 * 2 ** 30;

/**
 * Checks that `rows` vectors of `dim` float32 values fit in `maxBytes` (and in one typed array): a
 * ConfigError saying how much memory they would need and what to change, instead of a RangeError
 * (or an out-of-memory kill) from the allocation.
 */
export function checkEmbeddingMemory(rows: number, dim: number, maxBytes = MAX_EMBEDDING_BYTES): void {
  if (!(maxBytes > 0)) throw new ConfigError(`embedRows: maxBytes must be a positive number of bytes, got ${maxBytes}`);
  const bytes = rows * dim * 4;
  const limit = maxBytes;
  if (bytes > limit) {
    const gib = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${b} bytes`);
    throw new ConfigError(
      `${rows.toLocaleString("en")} rows × dim ${dim.toLocaleString("en")} × 4 bytes need ${gib(bytes)} of memory for the vectors, more than the budget of ${gib(limit)}; use a smaller encoder dimension (e.g. hashing:65536), fewer rows, or write a feature store with \`implicitrm embed\` (read in blocks)`,
    );
  }
}


/**
 * Encodes (prompt, response) rows with `encoder` through {@link encodePairs} (the encoder's pair
 * template), in chunks, and returns `rows.length * encoder.dim` floats, row-major in input order.
 * `cache` is a cache directory (a {@link CachedEncoder} is opened on it and closed at the end), or
 * null/undefined for no cache; pass a CachedEncoder as `encoder` to keep its counters across calls.
 * A re-run over the same rows with the same encoder config is answered from the cache with no
 * model call (`onStats` shows `modelCalls: 0`). Rejects with a DataError naming the row for an empty
 * response, and with a ConfigError when the vectors would not fit `opts.maxBytes`
 * ({@link checkEmbeddingMemory}), before any encoding.
 */
export async function embedRows(
  rows: readonly TextPair[],
  encoder: Encoder,
  cache?: string | null,
  opts: EmbedRowsOptions = {},
): Promise<Float32Array> {
  checkPairs(rows);
  const chunk = opts.chunkRows ?? 512;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ConfigError(`embedRows: chunkRows must be an integer >= 1, got ${chunk}`);
  checkEmbeddingMemory(rows.length, encoder.dim, opts.maxBytes);
  const enc =
    cache === null || cache === undefined
      ? encoder
      : new CachedEncoder(encoder, cache, {
          ...(opts.fsync !== undefined ? { fsync: opts.fsync } : {}),
          ...(opts.readonly !== undefined ? { readonly: opts.readonly } : {}),
        });
  try {
    const out = new Float32Array(rows.length * encoder.dim);
    for (let start = 0; start < rows.length; start += chunk) {
      throwIfAborted(opts.signal);
      const part = rows.slice(start, start + chunk);
      const v = await encodePairs(enc, part, opts.signal ? { signal: opts.signal } : undefined);
      out.set(v, start * encoder.dim);
      opts.onProgress?.({ done: start + part.length, total: rows.length });
    }
    return out;
  } finally {
    if (enc instanceof CachedEncoder && enc !== encoder) {
      opts.onStats?.({ ...enc.stats });
      enc.close();
    } else if (enc instanceof CachedEncoder) {
      opts.onStats?.({ ...enc.stats });
    }
  }
}
