/**
 * Embedding a dataset into a feature store (what `implicitrm embed` does): read the data once,
 * encode its text in chunks with an encoder, and write a binary store that `loadDataset` reads in
 * blocks, so large sets need not be re-encoded per run nor fit in memory when training. A features
 * JSONL file is copied into a store as it is.
 */
import { FeatureStoreWriter, type FeatureStoreHeader, type StoreRows, formatSkipCounts, indexGroups, readDataSource, toTextRows } from "@implicitrm/datasets";
import { CachedEncoder, type Encoder, createEncoder, embedRows } from "@implicitrm/encoders";
import { type TextDataSettings, readOptions } from "./dataset.js";

/** Rows encoded per step by {@link writeStore} when `opts.chunkRows` is not given. */
export const DEFAULT_EMBED_CHUNK_ROWS = 8192;

/**
 * Reads `spec` once, encodes it in chunks of `opts.chunkRows` rows (default 8192) with `s.encoder`
 * and writes the store at `out` (blocks of `opts.blockRows` rows, default about 32 MB; an existing
 * `out` is replaced only with `opts.overwrite`). Rated data keep their ratings (implicit feedback is
 * simulated at training time with the run's seed), logs their feedback and context. Returns the
 * store's header.
 */
export async function writeStore(
  spec: string,
  out: string,
  s: TextDataSettings,
  opts: { blockRows?: number; chunkRows?: number; overwrite?: boolean } = {},
  log: (line: string) => void = () => {},
): Promise<FeatureStoreHeader> {
  const source = await readDataSource(spec, readOptions(s));
  const base = { ...(opts.blockRows !== undefined ? { blockRows: opts.blockRows } : {}), ...(opts.overwrite ? { overwrite: true } : {}), source: spec };
  if (source.kind === "features") {
    const fs = source.features;
    if (Object.keys(fs.skipped).length) log(`${spec}: ${formatSkipCounts(fs.skipped)}`);
    const w = FeatureStoreWriter.create(out, { ...base, dim: fs.dim, kind: "features", ...(fs.activity ? { activity: { dim: fs.activity.dim, ...(fs.activity.names ? { names: fs.activity.names } : {}) } } : {}) });
    try {
      w.append({
        features: fs.features,
        r: fs.r,
        ...(fs.rStar ? { rStar: fs.rStar } : {}),
        ...(fs.explicitNegative ? { explicitNegative: fs.explicitNegative } : {}),
        ...(fs.group ? { group: fs.group } : {}),
        ...(fs.activity ? { activity: fs.activity.features } : {}),
        ...(fs.ids ? { ids: fs.ids } : {}),
      });
    } catch (e) {
      w.abort();
      throw e;
    }
    return w.finish({ skipped: fs.skipped as Record<string, number> });
  }
  const text = toTextRows(source, spec, log);
  const rows = text.rows;
  const inner = await createEncoder(s.encoder);
  const encoder: Encoder = s.embeddingCache ? new CachedEncoder(inner, s.embeddingCache) : inner;
  const group = indexGroups(rows.map((r) => r.promptId)).index;
  const w = FeatureStoreWriter.create(out, {
    ...base,
    dim: inner.dim,
    kind: text.kind === "log" ? "log" : "rated",
    encoder: { spec: s.encoder, id: inner.id, config: { ...(inner.config ?? {}) }, dim: inner.dim },
    ...(text.rated ? { rated: { adapter: text.rated.adapter, ratingField: text.rated.ratingField, scale: text.rated.scale } } : {}),
    ...(text.activity ? { activity: { dim: text.activity.dim, ...(text.activity.names ? { names: text.activity.names } : {}) } } : {}),
  });
  try {
    const chunk = opts.chunkRows ?? DEFAULT_EMBED_CHUNK_ROWS;
    for (let start = 0; start < rows.length; start += chunk) {
      const end = Math.min(rows.length, start + chunk);
      const part = rows.slice(start, end);
      const features = await embedRows(part, encoder);
      const batch: StoreRows = {
        features,
        group: group.subarray(start, end),
        length: Float32Array.from(part, (r) => r.response.length),
        ids: part.map((r) => r.id),
      };
      if (text.ratings) batch.rating = text.ratings.subarray(start, end);
      if (text.r) batch.r = text.r.subarray(start, end);
      if (text.explicitNegative) batch.explicitNegative = text.explicitNegative.subarray(start, end);
      if (text.activity) batch.activity = text.activity.features.subarray(start * text.activity.dim, end * text.activity.dim);
      w.append(batch);
      log(`${spec}: encoded ${end} / ${rows.length} rows`);
    }
    const skipped = (text.rated?.skipped ?? {}) as Record<string, number>; // already reported by toTextRows
    return w.finish({ info: { rows: rows.length, encoder: inner.id }, skipped });
  } catch (e) {
    w.abort();
    throw e;
  } finally {
    if (encoder instanceof CachedEncoder) encoder.cache.close();
  }
}
