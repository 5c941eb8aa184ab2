/**
 * The binary feature store: a directory holding a JSON header, the features as raw little-endian
 * float32 blocks (row-major, `blockRows` rows per file), and one small file per label column, so a
 * set of embeddings larger than memory can be trained on by reading rows on demand. This module is
 * browser-safe (the header's schema and checks); reading and writing the files is store/reader.ts
 * and store/writer.ts (Node only).
 *
 * ```
 * <store>/header.json          {format, version, n, dim, dtype: "float32", byteOrder: "little-endian",
 *                               blockRows, blocks: [{file, rows, sha256}], columns: {name: {file, dtype,
 *                               sha256, dim?, names?}}, ids?: {file, sha256}, kind, rated?, encoder?,
 *                               source?, info?, skipped?, createdAt}
 * <store>/features-000000.f32  blockRows × dim float32 (the last block may be shorter)
 * <store>/r.u8, rStar.u8       uint8 labels, one byte per row (explicitNegative.u8: thumbs-down rows, when any)
 * <store>/group.i32            int32 prompt-group index per row
 * <store>/rating.f32, length.f32, propensity.f32, grade.f32   float32 per row
 * <store>/activity.f32         n × activity dim float32 (the activity block, row-major)
 * <store>/ids.txt              one row id per line (UTF-8), optional
 * ```
 * `kind` says what the rows are: 'features' and 'log' carry the observed feedback r; 'rated' carries
 * the ratings (with the adapter's scale and direction) from which r is simulated at load time with
 * the run's seed, exactly as for rated text data.
 */
import { DataError } from "@implicitrm/core/errors";

export const FEATURE_STORE_FORMAT = "implicitrm-feature-store";
export const FEATURE_STORE_VERSION = 1;
/** Name of the header file inside a store directory. */
export const FEATURE_STORE_HEADER = "header.json";

export type StoreKind = "features" | "rated" | "log";
export type StoreDtype = "uint8" | "int32" | "float32";

/** The per-row columns a store may hold, with their element types. */
export const STORE_COLUMNS = {
  r: "uint8",
  rStar: "uint8",
  group: "int32",
  rating: "float32",
  length: "float32",
  propensity: "float32",
  grade: "float32",
  activity: "float32",
  explicitNegative: "uint8",
} as const satisfies Record<string, StoreDtype>;
export type StoreColumnName = keyof typeof STORE_COLUMNS;

export interface StoreColumn {
  file: string;
  dtype: StoreDtype;
  /** SHA-256 of the file's bytes (hex). */
  sha256: string;
  /** Values per row (the activity block's width; 1 otherwise). */
  dim?: number;
  /** Column names of the activity block. */
  names?: string[];
}

export interface StoreBlock {
  file: string;
  rows: number;
  /** SHA-256 of the block file (hex); checked by `verifyFeatureStore`, not on every read. */
  sha256: string;
}

/** Metadata of rated rows: how their ratings are read (the adapter's declared scale and direction). */
export interface StoreRatedInfo {
  adapter: string;
  ratingField: string;
  scale: { min: number; max: number; direction: "higher-better" | "lower-better" };
}

export interface FeatureStoreHeader {
  format: typeof FEATURE_STORE_FORMAT;
  version: typeof FEATURE_STORE_VERSION;
  n: number;
  dim: number;
  dtype: "float32";
  byteOrder: "little-endian";
  blockRows: number;
  blocks: StoreBlock[];
  columns: Partial<Record<StoreColumnName, StoreColumn>>;
  ids?: { file: string; sha256: string };
  kind: StoreKind;
  rated?: StoreRatedInfo;
  /** The encoder that made the features, when one did (`spec`: what built it, written since issue 13). */
  encoder?: { spec?: string; id: string; config: Record<string, unknown>; dim: number };
  /** Where the rows came from (a file or dataset name). */
  source?: string;
  /** Facts for reports (counts, rates). */
  info?: Record<string, number | string | boolean>;
  /** Rows skipped while reading the source, by cause. */
  skipped?: Record<string, number>;
  createdAt: string;
}

/** The typed arrays of the column dtypes. */
export const CTORS = { uint8: Uint8Array, int32: Int32Array, float32: Float32Array } as const;
/** A column's values in memory. */
export type ColumnArray = Uint8Array | Int32Array | Float32Array;

/** Bytes per element of a column dtype. */
export function dtypeBytes(dtype: StoreDtype): number {
  return dtype === "uint8" ? 1 : 4;
}

const SAFE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** Most rows a store may hold (row indices are int32 in the training loop). */
export const MAX_STORE_ROWS = 2 ** 31 - 1;

/**
 * Checks a parsed header: format and version, sizes, block layout, column dtypes, and that every
 * file it names is a plain name inside the store (no path separators, so a header cannot point
 * elsewhere). Returns it typed; a DataError naming `file` and the field otherwise. Reads nothing.
 */
export function checkStoreHeader(json: unknown, file: string): FeatureStoreHeader {
  const bad = (field: string, why: string): never => {
    throw new DataError(`not a usable feature store header: ${why}`, { file, field });
  };
  if (typeof json !== "object" || json === null || Array.isArray(json)) bad("format", "the header is not a JSON object");
  const h = json as Record<string, unknown>;
  if (h.format !== FEATURE_STORE_FORMAT) bad("format", `format is ${JSON.stringify(h.format)}, expected "${FEATURE_STORE_FORMAT}"`);
  if (h.version !== FEATURE_STORE_VERSION) {
    bad("version", `version ${JSON.stringify(h.version)} is not supported (this version of @implicitrm/datasets reads ${FEATURE_STORE_VERSION}); rewrite the store with \`implicitrm embed\``);
  }
  const int = (v: unknown, min: number, max = MAX_STORE_ROWS) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
  if (!int(h.n, 1)) bad("n", `n must be a positive integer, got ${JSON.stringify(h.n)}`);
  if (!int(h.dim, 1, 1 << 20)) bad("dim", `dim must be a positive integer, got ${JSON.stringify(h.dim)}`);
  if (h.dtype !== "float32") bad("dtype", `features must be float32, got ${JSON.stringify(h.dtype)}`);
  if (h.byteOrder !== "little-endian") bad("byteOrder", `byte order must be little-endian, got ${JSON.stringify(h.byteOrder)}`);
  if (!int(h.blockRows, 1)) bad("blockRows", `blockRows must be a positive integer, got ${JSON.stringify(h.blockRows)}`);
  const n = h.n as number;
  const blockRows = h.blockRows as number;
  const nameOk = (v: unknown) => typeof v === "string" && SAFE_FILE.test(v) && v !== FEATURE_STORE_HEADER;
  const seen = new Set<string>();
  const fileField = (v: unknown, field: string) => {
    if (!nameOk(v)) bad(field, `${JSON.stringify(v)} is not a plain file name inside the store`);
    if (seen.has(v as string)) bad(field, `file ${JSON.stringify(v)} is named twice`);
    seen.add(v as string);
  };
  if (!Array.isArray(h.blocks) || h.blocks.length !== Math.ceil(n / blockRows)) {
    bad("blocks", `expected ${Math.ceil(n / blockRows)} blocks of ${blockRows} rows for ${n} rows`);
  }
  (h.blocks as unknown[]).forEach((b, i) => {
    const block = b as Record<string, unknown>;
    fileField(block?.file, `blocks[${i}].file`);
    const rows = i < (h.blocks as unknown[]).length - 1 ? blockRows : n - blockRows * i;
    if (block.rows !== rows) bad(`blocks[${i}].rows`, `block ${i} must hold ${rows} rows, says ${JSON.stringify(block.rows)}`);
    if (typeof block.sha256 !== "string" || !HEX64.test(block.sha256)) bad(`blocks[${i}].sha256`, "missing or malformed checksum");
  });
  if (typeof h.columns !== "object" || h.columns === null || Array.isArray(h.columns)) bad("columns", "columns must be an object");
  for (const [name, c] of Object.entries(h.columns as Record<string, unknown>)) {
    if (!Object.hasOwn(STORE_COLUMNS, name)) bad(`columns.${name}`, `unknown column "${name}" (known: ${Object.keys(STORE_COLUMNS).join(", ")})`);
    const col = c as Record<string, unknown>;
    fileField(col?.file, `columns.${name}.file`);
    if (col.dtype !== STORE_COLUMNS[name as StoreColumnName]) bad(`columns.${name}.dtype`, `column ${name} must be ${STORE_COLUMNS[name as StoreColumnName]}, got ${JSON.stringify(col.dtype)}`);
    if (typeof col.sha256 !== "string" || !HEX64.test(col.sha256)) bad(`columns.${name}.sha256`, "missing or malformed checksum");
    if (name === "activity") {
      if (!int(col.dim, 1, 4096)) bad("columns.activity.dim", `the activity block needs a dimension, got ${JSON.stringify(col.dim)}`);
      if (col.names !== undefined && !(Array.isArray(col.names) && col.names.length === col.dim && col.names.every((s) => typeof s === "string"))) {
        bad("columns.activity.names", "names must be one string per activity column");
      }
    } else if (col.dim !== undefined && col.dim !== 1) bad(`columns.${name}.dim`, `column ${name} holds one value per row`);
  }
  if (h.ids !== undefined) {
    const ids = h.ids as Record<string, unknown>;
    fileField(ids?.file, "ids.file");
    if (typeof ids.sha256 !== "string" || !HEX64.test(ids.sha256)) bad("ids.sha256", "missing or malformed checksum");
  }
  const columns = h.columns as Record<string, unknown>;
  if (h.kind !== "features" && h.kind !== "rated" && h.kind !== "log") bad("kind", `kind must be "features", "rated" or "log", got ${JSON.stringify(h.kind)}`);
  if (h.kind === "rated") {
    const rated = h.rated as Record<string, unknown> | undefined;
    const scale = rated?.scale as Record<string, unknown> | undefined;
    if (
      !rated ||
      typeof rated.adapter !== "string" ||
      typeof rated.ratingField !== "string" ||
      !scale ||
      typeof scale.min !== "number" ||
      typeof scale.max !== "number" ||
      !(scale.max > scale.min) ||
      (scale.direction !== "higher-better" && scale.direction !== "lower-better")
    ) {
      bad("rated", "rated rows need rated: {adapter, ratingField, scale: {min < max, direction}}");
    }
    for (const c of ["rating", "length", "group"]) if (!columns[c]) bad(`columns.${c}`, `rated rows need the ${c} column`);
  } else if (!columns.r) bad("columns.r", `${h.kind} rows need the feedback column r`);
  if (typeof h.createdAt !== "string") bad("createdAt", "createdAt must be a string");
  return h as unknown as FeatureStoreHeader;
}
