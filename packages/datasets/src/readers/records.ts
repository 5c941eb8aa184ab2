/**
 * Table readers: JSONL, JSON arrays, CSV/TSV and Parquet bytes (optionally gzip-compressed) into plain
 * records with their location, for the adapters. Browser-safe: inputs are strings or bytes; reading
 * files is node/io.ts.
 */
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { BadRows, RowProblem } from "../bad-rows.js";
import { parseCsv } from "./csv.js";
import { asBytes, decodeUtf8, gunzipBytes, isGzip } from "./bytes.js";
import type { BadRowPolicy, SkipCounts } from "../types.js";

/** File formats the readers understand (each may also be gzip-compressed, e.g. `x.jsonl.gz`). */
export type FileFormat = "jsonl" | "json" | "csv" | "tsv" | "parquet";

/** One input record (a JSON object, a CSV row keyed by header, a Parquet row) and where it came from. */
export interface SourceRecord {
  value: Record<string, unknown>;
  file: string;
  /** 1-based line for JSONL and CSV (where a CSV record starts). */
  line?: number;
  /** 0-based index of the record in its file. */
  row: number;
  /** True for CSV/TSV, whose values are all strings: numeric ratings are then parsed from text. */
  textual?: boolean;
}

/** Options of {@link parseRecords}. */
export interface ParseRecordsOptions {
  /** File name for messages and for guessing the format from its extension. Default "<input>". */
  file?: string;
  /** Overrides the format guessed from the extension (or sniffed from the content). */
  format?: FileFormat;
  /** 'fail' (default) or 'skip' for malformed lines (bad JSON, bad UTF-8, bad CSV records). */
  onBadRow?: BadRowPolicy;
  /** Parquet only: the top-level columns to read (all when undefined). */
  columns?: string[];
  /** CSV/TSV: the most columns a header may have. Default {@link MAX_CSV_COLUMNS}. */
  maxColumns?: number;
}

/**
 * Most columns a CSV/TSV header may have by default (16,384, a spreadsheet's width). A rated table
 * needs a handful; a header wider than this is almost always a wrong delimiter or not a table, and is
 * a DataError naming the file and line rather than a long parse.
 */
export const MAX_CSV_COLUMNS = 16_384;

/** Size limits of the table readers; every field has a default. */
export interface ReadLimits {
  /** CSV/TSV: the most columns a header may have. Default {@link MAX_CSV_COLUMNS}. */
  maxColumns?: number;
}

/** Records read by {@link parseRecords} with the format used and the lines skipped. */
export interface ParsedRecords {
  records: SourceRecord[];
  format: FileFormat;
  skipped: SkipCounts;
}

/**
 * Guesses the format from a file name (`.jsonl`/`.ndjson`, `.json`, `.csv`, `.tsv`, `.parquet`, each
 * optionally followed by `.gz`); undefined when the extension says nothing.
 */
export function formatFromName(file: string): FileFormat | undefined {
  const name = file.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  if (name.endsWith(".json")) return "json";
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".tsv")) return "tsv";
  if (name.endsWith(".parquet") || name.endsWith(".pq")) return "parquet";
  return undefined;
}

/**
 * Resolves the format: explicit `format`, else the extension, else the content (`PAR1` magic → Parquet,
 * first non-space character `{` → JSONL, `[` → JSON array, anything else → CSV). `.json` files whose
 * content starts with `{` are read as JSONL (one object per line).
 */
export function sniffFormat(bytes: Uint8Array, file: string, format?: FileFormat): FileFormat {
  if (format !== undefined) {
    if (!FORMATS.includes(format)) throw new ConfigError(`unknown file format ${JSON.stringify(format)}; use one of ${FORMATS.join(", ")}`);
    return format;
  }
  const isParquet = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31;
  if (isParquet) return "parquet";
  let first = 0;
  for (let i = 0; i < Math.min(bytes.length, 4096); i++) {
    const b = bytes[i]!;
    if (b === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) {
      i += 2;
      continue;
    }
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) {
      first = b;
      break;
    }
  }
  const byName = formatFromName(file);
  if (byName === "json" && first === 0x7b) return "jsonl";
  if (byName !== undefined) return byName;
  if (first === 0x7b) return "jsonl";
  if (first === 0x5b) return "json";
  return "csv";
}

const FORMATS: FileFormat[] = ["jsonl", "json", "csv", "tsv", "parquet"];

/**
 * Parses one input (text, or bytes that may be gzip-compressed) into records. Malformed lines — bad
 * UTF-8, invalid JSON or a JSON value that is not an object (JSONL), a CSV record with an unterminated
 * quote or the wrong number of fields — are DataErrors with file and line (`onBadRow: 'fail'`, default)
 * or are skipped and counted. A JSON array or a Parquet file that cannot be parsed at all is a
 * DataError in both modes. Parquet columns are decoded by hyparquet (snappy, gzip, zstd, brotli, lz4).
 */
export async function parseRecords(input: string | Uint8Array | ArrayBuffer, opts: ParseRecordsOptions = {}): Promise<ParsedRecords> {
  const bad = new BadRows(opts.onBadRow);
  const file = opts.file ?? "<input>";
  const out = await readRecordsInto(input, file, opts.format, bad, opts.columns, opts.maxColumns !== undefined ? { maxColumns: opts.maxColumns } : {});
  return { ...out, skipped: bad.skipped };
}

/** {@link parseRecords} reporting to a shared BadRows (for multi-file inputs). */
export async function readRecordsInto(
  input: string | Uint8Array | ArrayBuffer,
  file: string,
  format: FileFormat | undefined,
  bad: BadRows,
  columns?: string[],
  limits: ReadLimits = {},
): Promise<{ records: SourceRecord[]; format: FileFormat }> {
  if (typeof input === "string") {
    const fmt = format ?? formatFromName(file) ?? sniffText(input);
    if (fmt === "parquet") throw new ConfigError(`${file}: Parquet input must be bytes, not a string`);
    return { records: recordsFromText(input, file, fmt, bad, limits), format: fmt };
  }
  let bytes = asBytes(input);
  if (isGzip(bytes)) bytes = gunzipBytes(bytes, file);
  const fmt = sniffFormat(bytes, file, format);
  if (fmt === "parquet") return { records: await parquetRecords(bytes, file, columns), format: fmt };
  return { records: recordsFromText(decodeUtf8(bytes, file, bad), file, fmt, bad, limits), format: fmt };
}

function sniffText(text: string): FileFormat {
  const t = text.trimStart().replace(/^\uFEFF/, "");
  if (t.startsWith("{")) return "jsonl";
  if (t.startsWith("[")) return "json";
  return "csv";
}

function recordsFromText(text: string, file: string, format: FileFormat, bad: BadRows, limits: ReadLimits = {}): SourceRecord[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  switch (format) {
    case "jsonl":
      return jsonlRecords(text, file, bad);
    case "json":
      return jsonArrayRecords(text, file, bad);
    case "csv":
      return csvRecords(text, file, ",", bad, limits.maxColumns);
    case "tsv":
      return csvRecords(text, file, "\t", bad, limits.maxColumns);
    default:
      throw new ConfigError(`${file}: format ${format} cannot be read from text`);
  }
}

/** JSONL: one JSON object per line; blank lines ignored; CRLF accepted. */
export function jsonlRecords(text: string, file: string, bad: BadRows): SourceRecord[] {
  const out: SourceRecord[] = [];
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split("\n");
  let row = 0;
  for (let li = 0; li < lines.length; li++) {
    let raw = lines[li]!;
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    if (raw.trim() === "") continue;
    const line = li + 1;
    const value = jsonlObject(raw, file, line, bad);
    if (value !== undefined) out.push({ value, file, line, row: row++ });
  }
  return out;
}

/**
 * One JSONL line (without its newline, not blank) as an object: invalid JSON or a value that is not
 * an object is reported to `bad` at file:line (a DataError, or undefined when skipped).
 */
export function jsonlObject(raw: string, file: string, line: number, bad: BadRows): Record<string, unknown> | undefined {
  return bad.run({ file, line }, () => {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new RowProblem("badJson", `invalid JSON (${(e as Error).message})`);
    }
    if (!isRecord(v)) throw new RowProblem("badJson", "the line is JSON but not an object");
    return v;
  });
}

function jsonArrayRecords(text: string, file: string, bad: BadRows): SourceRecord[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DataError(`invalid JSON (${(e as Error).message}); a .json file must hold one array of objects (or use JSONL)`, { file });
  }
  if (!Array.isArray(v)) {
    if (isRecord(v)) return [{ value: v, file, row: 0 }];
    throw new DataError("a .json file must hold an array of objects", { file });
  }
  const out: SourceRecord[] = [];
  v.forEach((item, row) => {
    if (isRecord(item)) out.push({ value: item, file, row });
    else bad.report(new RowProblem("badJson", "the array element is not an object"), { file, row });
  });
  return out;
}

function csvRecords(text: string, file: string, delimiter: string, bad: BadRows, maxColumns = MAX_CSV_COLUMNS): SourceRecord[] {
  const recs = parseCsv(text, delimiter);
  if (recs.length === 0) return [];
  const header = recs[0]!;
  if (header.error) throw new DataError(`bad header row (${header.error})`, { file, line: header.line });
  if (header.fields.length > maxColumns) {
    throw new DataError(
      `the header has ${header.fields.length} columns, more than the limit of ${maxColumns} (maxColumns); a rated table needs a few columns: check the delimiter, or raise maxColumns`,
      { file, line: header.line },
    );
  }
  const names = header.fields.map((f) => f.trim());
  // a Set, not names.indexOf per name: that was quadratic and never finished on 1,000,000 columns
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new DataError(`the header names column ${JSON.stringify(n)} twice`, { file, line: header.line });
    seen.add(n);
  }
  const out: SourceRecord[] = [];
  let row = 0;
  for (let k = 1; k < recs.length; k++) {
    const r = recs[k]!;
    const value = bad.run({ file, line: r.line }, () => {
      if (r.error) throw new RowProblem("badCsv", `malformed CSV record (${r.error})`);
      if (r.fields.length !== names.length) {
        throw new RowProblem("badCsv", `the record has ${r.fields.length} fields, the header ${names.length}`);
      }
      const obj: Record<string, unknown> = {};
      names.forEach((n, i) => {
        obj[n] = r.fields[i]!;
      });
      return obj;
    });
    if (value !== undefined) out.push({ value, file, line: r.line, row: row++, textual: true });
  }
  return out;
}

/** The top-level column names of a Parquet file (reads the footer only). */
export function parquetColumnNames(bytes: Uint8Array, file: string): string[] {
  try {
    const meta = parquetMetadata(toArrayBuffer(bytes));
    return parquetSchema(meta).children.map((c) => c.element.name);
  } catch (e) {
    throw new DataError(`not a readable Parquet file (${(e as Error).message})`, { file }, { cause: e });
  }
}

async function parquetRecords(bytes: Uint8Array, file: string, columns?: string[]): Promise<SourceRecord[]> {
  let rows: Record<string, unknown>[];
  try {
    const ab = toArrayBuffer(bytes);
    const opts: Parameters<typeof parquetReadObjects>[0] = { file: ab, compressors };
    if (columns !== undefined) {
      const have = new Set(parquetColumnNames(bytes, file));
      opts.columns = columns.filter((c) => have.has(c));
    }
    rows = (await parquetReadObjects(opts)) as Record<string, unknown>[];
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`not a readable Parquet file (${(e as Error).message})`, { file }, { cause: e });
  }
  return rows.map((value, row) => ({ value, file, row }));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}

/** Wraps plain objects as records (for adapters applied to data already in memory). */
export function toSourceRecords(objects: readonly Record<string, unknown>[], file = "<memory>"): SourceRecord[] {
  return objects.map((value, row) => ({ value, file, row }));
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
