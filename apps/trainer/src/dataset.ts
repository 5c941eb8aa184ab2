/**
 * Loading a dataset by spec, as `implicitrm train` and `bench` do: 'synthetic' (the built-in
 * default: no files, no downloads), a feature store directory written by `implicitrm embed` (rows
 * read from disk in blocks), or a data file read once by @implicitrm/datasets and recognised from
 * its first record: a features file (JSONL rows with a `features` array), an implicit-feedback log,
 * or rated text data (any adapter, including `hf:owner/name`). Text is turned into features by an
 * encoder of @implicitrm/encoders; labels and splits are datasets' `splitEncodedRows`.
 */
import { ConfigError, type FeatureSet, type SplitRowSources } from "@implicitrm/core";
import {
  type BadRowPolicy,
  DEFAULT_SIMULATION,
  type EncodedRows,
  type RatingDirection,
  type SimulationSettings,
  type SkipCounts,
  formatSkipCounts,
  isFeatureStore,
  loadStoreDataset,
  readDataSource,
  splitEncodedRows,
  splitObservedRows,
  syntheticDataset,
  toTextRows,
} from "@implicitrm/datasets";
import { createEncoder, embedRows } from "@implicitrm/encoders";

/** How text rows are read and encoded. */
export interface TextDataSettings {
  /** Encoder spec: hashing[:dim] (default), static:<vectors file>, transformer:<model>. */
  encoder: string;
  /** Directory of the on-disk embedding cache, or null for none. */
  embeddingCache: string | null;
  /** Which rating to read when a dataset has several (e.g. uf_score). */
  ratingField: string | null;
  /** Rating direction, for generic files (adapters declare their own). */
  direction: RatingDirection | null;
  /** r* threshold on the rescaled grade ℓ' ∈ [1, 5]; null = the simulator's default (median level). */
  threshold: number | null;
  /** Column names for generic files. */
  promptField: string | null;
  responseField: string | null;
  /** 'fail' (default) or 'skip' malformed rows (skips are counted by cause and reported). */
  onBadRow: BadRowPolicy;
}

/** The text defaults: the hashing encoder, no embedding cache, fields from the adapter, bad rows fail. */
export const DEFAULT_TEXT_DATA: Readonly<TextDataSettings> = Object.freeze({
  encoder: "hashing",
  embeddingCache: null,
  ratingField: null,
  direction: null,
  threshold: null,
  promptField: null,
  responseField: null,
  onBadRow: "fail" as BadRowPolicy,
});

/** Everything that says how a dataset is read, encoded and simulated. */
export type DataSettings = SimulationSettings & TextDataSettings;

/** {@link DEFAULT_SIMULATION} and {@link DEFAULT_TEXT_DATA} together. */
export const DEFAULT_DATA_SETTINGS: Readonly<DataSettings> = Object.freeze({ ...DEFAULT_SIMULATION, ...DEFAULT_TEXT_DATA });

/** Names of the built-in datasets. */
export const BUILTIN_DATASETS = ["synthetic"] as const;

type Log = (line: string) => void;

/**
 * The read options of a data file in `s` (unset ones left out, so adapters and detection decide).
 * @internal
 */
export function readOptions(s: TextDataSettings) {
  return {
    onBadRow: s.onBadRow,
    ...(s.ratingField ? { ratingField: s.ratingField } : {}),
    ...(s.direction ? { direction: s.direction } : {}),
    ...(s.promptField ? { promptField: s.promptField } : {}),
    ...(s.responseField ? { responseField: s.responseField } : {}),
  };
}

// Reading, parsing and encoding do not depend on the seed: done once per process for each (file, settings).
type Read =
  | { kind: "features"; features: FeatureSet & { skipped: SkipCounts } }
  | { kind: "text"; encoded: EncodedRows; encoder: NonNullable<SplitRowSources["encoder"]> };
const readCache = new Map<string, Promise<Read>>();

function readOnce(spec: string, s: TextDataSettings, log: Log): Promise<Read> {
  const key = JSON.stringify([spec, s.encoder, s.ratingField, s.direction, s.promptField, s.responseField, s.onBadRow]);
  let p = readCache.get(key);
  if (!p) {
    p = (async (): Promise<Read> => {
      const source = await readDataSource(spec, readOptions(s));
      if (source.kind === "features") return source;
      const encoder = await createEncoder(s.encoder);
      const text = toTextRows(source, spec, log);
      const kept = text.rows;
      const started = Date.now();
      const features = await embedRows(kept, encoder, s.embeddingCache);
      log(`${spec}: encoded ${kept.length} rows with ${encoder.id} (dim ${encoder.dim}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const encoded: EncodedRows = {
        kind: text.kind,
        name: spec,
        n: kept.length,
        features,
        dim: encoder.dim,
        promptIds: kept.map((row) => row.promptId),
        ids: kept.map((row) => row.id),
        lengths: Float64Array.from(kept, (row) => row.response.length),
        ...(text.activity ? { activity: text.activity } : {}),
        ...(text.rated ? { rated: text.rated } : {}),
        ...(text.ratings ? { ratings: text.ratings } : {}),
        ...(text.r ? { r: text.r } : {}),
        ...(text.explicitNegative ? { explicitNegative: text.explicitNegative } : {}),
      };
      const made = { spec: s.encoder, id: encoder.id, dim: encoder.dim, config: { ...(encoder.config ?? {}) } };
      return { kind: "text", encoded, encoder: made };
    })();
    readCache.set(key, p);
    p.catch(() => readCache.delete(key));
  }
  return p;
}

/**
 * Loads a dataset by spec and simulates its implicit feedback with `seed` (the same seed gives the
 * same rows and the same feedback draws, so methods compared at one seed see identical data).
 * Rated data: implicit feedback simulated from the ratings (METHOD §4) with the simulation settings,
 * a clean 20 % test split; logs: r as logged, no test split; features files and stores: r (and r*)
 * as given. Each file is read (and its text encoded) once per process. `log` receives one-line
 * notes (skipped rows, encoding time). The result's `encoder` names the encoder that made the
 * features (the text encoder built here, or a feature store's), absent for precomputed features.
 */
export async function loadDataset(spec: string, seed: number, settings: Partial<DataSettings> = {}, log: Log = () => {}): Promise<SplitRowSources> {
  const s: DataSettings = { ...DEFAULT_DATA_SETTINGS, ...settings };
  if (!(s.alpha > 0 && s.alpha <= 1)) throw new ConfigError(`alpha must be in (0, 1], got ${s.alpha}`);
  if (!(s.observationRate > 0 && s.observationRate <= 1)) {
    throw new ConfigError(`observation rate must be in (0, 1], got ${s.observationRate}`);
  }
  if (!(s.presentationShare >= 0 && s.presentationShare <= 1)) throw new ConfigError(`presentation share must be in [0, 1], got ${s.presentationShare}`);
  if (spec === "synthetic") {
    return syntheticDataset({
      seed,
      alpha: s.alpha,
      observationRate: s.observationRate,
      presentationShare: s.presentationShare,
      presentationMix: s.presentationMix,
      ...(s.thumbsDownRate ? { thumbsDownRate: s.thumbsDownRate } : {}),
      ...(s.threshold !== null ? { threshold: s.threshold } : {}),
    });
  }
  if (isFeatureStore(spec)) return loadStoreDataset(spec, seed, s, s.threshold);
  const read = await readOnce(spec, s, log);
  if (read.kind === "text") return { ...splitEncodedRows(read.encoded, seed, s, s), encoder: read.encoder };
  if (Object.keys(read.features.skipped).length) log(`${spec}: ${formatSkipCounts(read.features.skipped)}`);
  return splitObservedRows(read.features, spec, seed);
}
