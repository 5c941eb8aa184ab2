/**
 * Text datasets for the trainer and the evaluator: rated data (any adapter of @implicitrm/datasets,
 * implicit feedback simulated from the ratings with the paper's protocol) and implicit-feedback
 * logs (r taken from the logged actions), turned into features by an encoder.
 */
import { type ActivityBlock, ConfigError, type RowSource, type SplitRowSources, deriveSeed } from "@implicitrm/core";
import {
  type BadRowPolicy,
  type RatedDataset,
  type RatingDirection,
  contextActivityBlock,
  detectFormat,
  formatSkipCounts,
  indexGroups,
  loadImplicitLog,
  loadRatedDataset,
  presentationActivityBlock,
  readDataFile,
  selectRows,
  simulateImplicitFeedback,
  simulatePresentation,
  splitIndices,
} from "@implicitrm/datasets";
import { createEncoder, embedRows } from "@implicitrm/encoders";
import type { SimulationSettings } from "./data.js";

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

type Log = (line: string) => void;

/**
 * Text rows after encoding: the features (in memory, or behind `readRows` for a feature store), what
 * the labels are made from, and the prompt groups.
 */
export interface EncodedRows {
  kind: "rated" | "log";
  name: string;
  /** Number of rows. */
  n: number;
  features?: Float32Array;
  readRows?: RowSource["readRows"];
  dim: number;
  ratings?: ArrayLike<number>;
  /** Rated rows: the adapter, the rating read and its declared scale and direction. */
  rated?: { adapter: string; ratingField: string; scale: RatedDataset["scale"] };
  r?: Uint8Array;
  /** Prompt of each row, as ids or as group numbers. */
  promptIds: readonly string[] | ArrayLike<number>;
  ids?: string[];
  /** Response length in characters, per kept row. */
  lengths: ArrayLike<number>;
  /** Logs: the activity block of the kept rows (response length and the logged context fields). */
  activity?: ActivityBlock;
}

// Parsing and encoding do not depend on the seed: done once per process for each (file, settings).
const encodedCache = new Map<string, Promise<EncodedRows>>();

/** What kind of file `path` holds, from its first record: features rows, an implicit log, or rated data. */
export async function sniffDataFile(path: string): Promise<"features" | "implicit-log" | "rated"> {
  if (/^hf:/.test(path)) return "rated";
  let bytes: Uint8Array;
  try {
    bytes = await readDataFile(path);
  } catch {
    return "rated"; // folders and hub names; loadRatedDataset reports what is wrong
  }
  const head = new TextDecoder().decode(bytes.subarray(0, 1 << 20));
  const first = head.split("\n").find((l) => l.trim() !== "");
  if (first === undefined) return "rated";
  try {
    const rec = JSON.parse(first) as Record<string, unknown>;
    if (Array.isArray(rec.features)) return "features";
    if (detectFormat(rec) === "implicit-log") return "implicit-log";
  } catch {
    // not JSONL (CSV, Parquet, a JSON array): rated data
  }
  return "rated";
}

/** Text rows read for encoding (rows with an empty response dropped), with what their labels are made from. */
export interface TextRows {
  kind: "rated" | "log";
  rows: Array<{ id: string; prompt: string; response: string; promptId: string; context?: Record<string, unknown> }>;
  /** Rated data: the dataset read (adapter, rating field, scale) and each kept row's rating. */
  rated?: RatedDataset;
  ratings?: Float32Array;
  /** Logs: the logged feedback and the activity block (response length and the logged context fields) of each kept row. */
  r?: Uint8Array;
  activity?: ActivityBlock;
}

/**
 * Reads rated data or an implicit-feedback log for encoding, reporting skipped rows and dropped
 * empty responses through `log` (what `implicitrm train` and `implicitrm embed` share).
 */
export async function readTextRows(spec: string, s: TextDataSettings, kind: "rated" | "log", log: Log): Promise<TextRows> {
  let rows: TextRows["rows"];
  let extra: { rated?: RatedDataset; r?: Uint8Array };
  if (kind === "log") {
    const logged = await loadImplicitLog(spec, { onBadRow: s.onBadRow });
    if (Object.keys(logged.skipped).length) log(`${spec}: ${formatSkipCounts(logged.skipped)}`);
    rows = logged.rows;
    extra = { r: Uint8Array.from(logged.rows, (row) => row.r) };
  } else {
    const rated = await loadRatedDataset(spec, {
      onBadRow: s.onBadRow,
      ...(s.ratingField ? { ratingField: s.ratingField } : {}),
      ...(s.direction ? { direction: s.direction } : {}),
      ...(s.promptField ? { promptField: s.promptField } : {}),
      ...(s.responseField ? { responseField: s.responseField } : {}),
    });
    if (Object.keys(rated.skipped).length) log(`${spec}: ${formatSkipCounts(rated.skipped)}`);
    rows = rated.rows;
    extra = { rated };
  }
  const keep = rows.map((row) => row.response.trim().length > 0);
  const dropped = keep.filter((k) => !k).length;
  if (dropped > 0) log(`${spec}: dropped ${dropped} row${dropped === 1 ? "" : "s"} with an empty response (nothing to encode)`);
  const kept = rows.filter((_, i) => keep[i]);
  if (kept.length === 0) throw new ConfigError(`${spec}: no rows with a response to train on`);
  let activity: ActivityBlock | undefined;
  if (kind === "log") {
    const block = contextActivityBlock(kept);
    if (block.ignored.length) log(`${spec}: context fields ${block.ignored.join(", ")} are not numbers, booleans or strings: not used as activity features`);
    activity = { dim: block.dim, features: block.features, names: block.names };
  }
  return {
    kind,
    rows: kept,
    ...(activity ? { activity } : {}),
    ...(extra.rated ? { rated: extra.rated, ratings: Float32Array.from(extra.rated.rows.filter((_, i) => keep[i]), (row) => row.rating) } : {}),
    ...(extra.r ? { r: extra.r.filter((_, i) => keep[i]) } : {}),
  };
}

async function encodeText(spec: string, s: TextDataSettings, kind: "rated" | "log", log: Log): Promise<EncodedRows> {
  const key = JSON.stringify([spec, kind, s.encoder, s.ratingField, s.direction, s.promptField, s.responseField, s.onBadRow]);
  let p = encodedCache.get(key);
  if (!p) {
    p = (async () => {
      const encoder = await createEncoder(s.encoder);
      const text = await readTextRows(spec, s, kind, log);
      const kept = text.rows;
      const started = Date.now();
      const features = await embedRows(kept, encoder, s.embeddingCache);
      log(`${spec}: encoded ${kept.length} rows with ${encoder.id} (dim ${encoder.dim}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return {
        kind,
        name: spec,
        n: kept.length,
        features,
        dim: encoder.dim,
        promptIds: kept.map((row) => row.promptId),
        ids: kept.map((row) => row.id),
        lengths: Float64Array.from(kept, (row) => row.response.length),
        ...(text.activity ? { activity: text.activity } : {}),
        ...(text.rated ? { rated: text.rated, ratings: text.ratings } : {}),
        ...(text.r ? { r: text.r } : {}),
      } as EncodedRows;
    })();
    encodedCache.set(key, p);
    p.catch(() => encodedCache.delete(key));
  }
  return p;
}

/**
 * Loads a text dataset and returns its seeded split. Rated data: implicit feedback is simulated from
 * the ratings (METHOD §4; direction and scale from the adapter, α, observation rate and
 * presentation share from `sim`), the test split keeps the clean r*; every row gets presentation
 * context (its response length, and a display position within its prompt group and a user activity
 * factor drawn from `seed`, see `simulatePresentation`) as its activity block. Implicit logs: r is
 * the logged feedback, the activity block holds the response length and the logged `context`
 * fields, and there is no clean test split. Splits keep all responses to a prompt together.
 */
export async function loadTextDataset(
  spec: string,
  kind: "rated" | "implicit-log",
  seed: number,
  sim: SimulationSettings,
  s: TextDataSettings,
  log: Log = () => {},
): Promise<SplitRowSources> {
  const enc = await encodeText(spec, s, kind === "implicit-log" ? "log" : "rated", log);
  return splitEncodedRows(enc, seed, sim, s);
}

/**
 * The labels and seeded splits of encoded rows (see {@link loadTextDataset}), whether their
 * features are in memory or read from a feature store: the same rows, seed and settings give the
 * same labels and splits either way.
 */
export function splitEncodedRows(enc: EncodedRows, seed: number, sim: SimulationSettings, s: Pick<TextDataSettings, "threshold" | "encoder">): SplitRowSources {
  const spec = enc.name;
  const n = enc.n;
  const group = indexGroups(enc.promptIds as readonly string[]).index;
  const all: RowSource = {
    n,
    dim: enc.dim,
    ...(enc.features ? { features: enc.features } : { readRows: enc.readRows! }),
    r: new Uint8Array(n),
    group,
    ...(enc.ids ? { ids: enc.ids } : {}),
  };
  const info: Record<string, number | string | boolean> = { source: spec, n, dim: enc.dim, encoder: s.encoder };
  if (enc.kind === "rated") {
    const rated = enc.rated!;
    const shown = simulatePresentation(n, { group, seed: deriveSeed(seed, "presentation") });
    const presentation = { length: enc.lengths, position: shown.position, userActivity: shown.userActivity };
    const simulated = simulateImplicitFeedback(enc.ratings!, {
      direction: rated.scale.direction,
      scale: { min: rated.scale.min, max: rated.scale.max },
      alpha: sim.alpha,
      observationRate: sim.observationRate,
      seed,
      presentation,
      presentationShare: sim.presentationShare ?? 0,
      ...(sim.presentationMix ? { presentationMix: sim.presentationMix } : {}),
      ...(s.threshold !== null ? { threshold: s.threshold } : {}),
    });
    all.activity = presentationActivityBlock(presentation);
    info.users = shown.users;
    all.r = simulated.r;
    all.rStar = simulated.rStar;
    all.propensity = simulated.propensity;
    all.grade = simulated.gradeRescaled;
    Object.assign(info, { adapter: rated.adapter, ratingField: rated.ratingField, ...simulated.stats });
  } else {
    all.r = enc.r!;
    if (enc.activity) all.activity = enc.activity;
    info.feedbackRate = mean(all.r);
  }
  const split = splitIndices(n, { seed, group, testFraction: enc.kind === "rated" ? 0.2 : 0 });
  return {
    name: spec,
    train: selectRows(all, split.train),
    validation: selectRows(all, split.validation),
    test: selectRows(all, split.test),
    info: { ...info, nTrain: split.train.length, nValidation: split.validation.length, nTest: split.test.length },
  };
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}
