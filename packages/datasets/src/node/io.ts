/**
 * File readers (Node only): rated data, implicit-feedback logs and features files from disk, each
 * file read once. With the other modules under node/ and store/ (reader, writer, splits), the only
 * modules of this package that import Node built-ins (fs, zlib), so everything else stays
 * browser-safe; none is exported from the `./browser` entry point.
 */
import { createReadStream, existsSync } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import type { FeatureSet, SplitFeatureSets } from "@implicitrm/core/types";
import { formatSkipCounts } from "../bad-rows.js";
import { type DataKind, detectDataKind } from "../detect.js";
import { type FeaturesParseOptions, parseFeaturesJsonl } from "../features-jsonl.js";
import { splitObservedRows } from "../splits.js";
import { type HfFetchOptions, fetchHuggingFaceDataset } from "./hf.js";
import { type ImplicitLog, type ImplicitLogOptions, parseImplicitLog } from "../logs.js";
import { type NormalizedParseOptions, type NormalizedParseResult, parseNormalizedJsonl } from "../adapters/normalized.js";
import { HF_DATASET_ADAPTERS, type RatedInput, type RatedLoadOptions, parseRatedDataset } from "../rated.js";
import { formatFromName } from "../readers/records.js";
import { isGzip } from "../readers/bytes.js";
import type { RatedDataset, SkipCounts } from "../types.js";

/**
 * Reads a normalised JSONL file (UTF-8) and parses it with {@link parseNormalizedJsonl}; `opts.file`
 * defaults to `path` so errors name the file and line. Throws DataError when the file cannot be read
 * (with the OS error as `cause`), and whatever the parser throws.
 */
export async function readNormalizedJsonl(
  path: string | URL,
  opts: NormalizedParseOptions = {},
): Promise<NormalizedParseResult> {
  const file = opts.file ?? pathName(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new DataError(`cannot read the file (${(e as Error).message}); check the path`, { file }, { cause: e });
  }
  return parseNormalizedJsonl(text, { ...opts, file });
}

/**
 * Default most bytes one data file may hold after decompression: 2 GiB − 1 (the largest Node buffer
 * a file is read into; text formats are capped lower by MAX_TEXT_BYTES when decoded).
 */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

/**
 * Default most bytes of one line of a text file (JSONL, CSV/TSV, JSON): 128 MiB. Parsing a line
 * takes several times its size in memory (a 200 MB line peaked at 1.7 GB), so a longer one is
 * refused while the file is read, naming its line. Not applied to Parquet (binary).
 */
export const MAX_LINE_BYTES = 128 * 2 ** 20;

/** Limits of {@link readDataFile}, enforced while the file streams in; every field has a default. */
export interface ReadLimits {
  /** Most bytes after decompression. Default {@link MAX_FILE_BYTES}. */
  maxBytes?: number;
  /** Most bytes of one line (text files only). Default {@link MAX_LINE_BYTES}. */
  maxLineBytes?: number;
}

const MIB = 2 ** 20;
const mib = (n: number) => (n < MIB ? `${n} bytes` : `${n % MIB === 0 ? n / MIB : (n / MIB).toFixed(1)} MB`);

/**
 * Reads a file's bytes, decompressing gzip (detected by its magic bytes, e.g. `x.jsonl.gz`) with zlib
 * as a stream. The limits are enforced while reading, so memory stays bounded by them: more than
 * `maxBytes` (decompressed) or, in a text file, a line longer than `maxLineBytes` is a DataError
 * naming the file (and the line) as soon as the limit is passed — a gzip bomb is stopped at the
 * limit, never held whole. DataError naming the file when it cannot be read or is not valid gzip.
 */
export async function readDataFile(path: string | URL, limits: ReadLimits = {}): Promise<Uint8Array> {
  const file = pathName(path);
  const maxBytes = limits.maxBytes ?? MAX_FILE_BYTES;
  const maxLine = limits.maxLineBytes ?? MAX_LINE_BYTES;
  for (const [k, v] of [["maxBytes", maxBytes], ["maxLineBytes", maxLine]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new ConfigError(`readDataFile: ${k} must be a positive integer, got ${v}`);
  }
  let size: number;
  let head: Uint8Array;
  try {
    size = (await stat(path)).size;
    head = await readHead(path);
  } catch (e) {
    throw new DataError(`cannot read the file (${(e as Error).message}); check the path`, { file }, { cause: e });
  }
  const gz = isGzip(head);
  if (!gz && size > maxBytes) {
    throw new DataError(`the file holds ${mib(size)}, more than the limit of ${mib(maxBytes)}; split it into smaller shards in one folder`, { file });
  }
  const input = createReadStream(path, { highWaterMark: MIB });
  const stream = gz ? input.pipe(createGunzip({ chunkSize: 256 * 1024 })) : input;
  const chunks: Buffer[] = [];
  // a plain file is copied into one buffer of its size as it streams (no second copy at the end);
  // not from Node's shared pool, so that the bytes own their ArrayBuffer (the Parquet reader needs it)
  const whole = gz ? undefined : Buffer.allocUnsafeSlow(size);
  let total = 0;
  let text: boolean | undefined; // decided on the first bytes: Parquet (PAR1) has no lines
  let line = 1;
  let lineLen = 0;
  const fail = (err: DataError): never => {
    input.destroy();
    stream.destroy();
    throw err;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        fail(new DataError(`${gz ? "decompresses to" : "holds"} more than ${mib(maxBytes)} (the limit); split it into smaller shards in one folder`, { file }));
      }
      if (text === undefined) text = !(chunk.length >= 4 && chunk[0] === 0x50 && chunk[1] === 0x41 && chunk[2] === 0x52 && chunk[3] === 0x31);
      if (text) {
        let pos = 0;
        for (;;) {
          const nl = chunk.indexOf(0x0a, pos);
          lineLen += (nl < 0 ? chunk.length : nl) - pos;
          if (lineLen > maxLine) {
            fail(new DataError(`the line is longer than ${mib(maxLine)} (the line limit); a row that long is not a rated example: check the file (or raise maxLineBytes)`, { file, line }));
          }
          if (nl < 0) break;
          line++;
          lineLen = 0;
          pos = nl + 1;
        }
      }
      if (whole === undefined) chunks.push(chunk);
      else if (total <= whole.length) whole.set(chunk, total - chunk.length);
      else fail(new DataError("the file grew while it was read; read it again when it is complete", { file }));
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    if (gz) throw new DataError(`not valid gzip data (${(e as Error).message}); the file may be truncated: download or copy it again`, { file }, { cause: e });
    throw new DataError(`cannot read the file (${(e as Error).message}); check the path`, { file }, { cause: e });
  }
  if (whole !== undefined) return total === whole.length ? whole : new Uint8Array(whole.subarray(0, total));
  // zlib's chunks share larger buffers: join them into bytes that own their ArrayBuffer
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks.splice(0)) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The first bytes of a file (for the gzip magic). */
async function readHead(path: string | URL): Promise<Uint8Array> {
  const stream = createReadStream(path, { start: 0, end: 3 });
  const parts: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

/** Options of {@link loadRatedDataset}: the parse options plus how to fetch a Hugging Face dataset. */
export interface LoadRatedOptions extends RatedLoadOptions {
  /** Split, config, revision, cache and fetch for names loaded from Hugging Face. */
  hf?: HfFetchOptions;
}

/**
 * Loads rated data from a file, a folder, or a Hugging Face dataset name, into a RatedDataset.
 * - a file (JSONL, JSON array, CSV, TSV, Parquet; `.gz` allowed): read and parsed;
 * - a folder: its top-level files with those extensions, in name order, as one dataset;
 * - `hf:owner/name`, or `owner/name` that is not a local path: {@link fetchHuggingFaceDataset} with
 *   `opts.hf`, then the adapter known for that name (HF_DATASET_ADAPTERS) unless `opts.adapter` is set,
 *   else detection.
 * The adapter is picked as in `parseRatedDataset` (explicit `adapter` wins, then generic fields, then
 * `detectFormat`). Errors: DataError with file/line/field for bad rows (or counts with onBadRow 'skip'),
 * ConfigError for options, DataError for unreadable files and an unreachable network.
 */
export async function loadRatedDataset(pathOrName: string | URL, opts: LoadRatedOptions = {}): Promise<RatedDataset> {
  const { hf, ...parseOpts } = opts;
  if (typeof pathOrName === "string" && (pathOrName.startsWith("hf:") || (!existsSync(pathOrName) && looksLikeHfName(pathOrName)))) {
    const name = pathOrName.replace(/^hf:/, "");
    const known = HF_DATASET_ADAPTERS[name.toLowerCase()];
    const hfOpts: HfFetchOptions = { ...hf };
    if (hfOpts.split === undefined && known?.split !== undefined) hfOpts.split = known.split;
    let got: Awaited<ReturnType<typeof fetchHuggingFaceDataset>>;
    try {
      got = await fetchHuggingFaceDataset(name, hfOpts);
    } catch (e) {
      if (e instanceof DataError && !pathOrName.startsWith("hf:")) {
        throw new DataError(`no local file "${pathOrName}", and as a Hugging Face dataset name: ${e.message}`, e.location, { cause: e });
      }
      throw e;
    }
    const inputs = await Promise.all(got.files.map(async (f) => ({ file: f, data: await readDataFile(f) })));
    const adapter = parseOpts.adapter ?? known?.adapter;
    return parseRatedDataset(inputs, {
      ...parseOpts,
      ...(adapter !== undefined ? { adapter } : {}),
      format: "parquet",
      source: parseOpts.source ?? `hf:${name} (${got.config}/${got.split})`,
    });
  }
  const path = pathName(pathOrName);
  let files: string[];
  let isDir = false;
  try {
    isDir = (await stat(pathOrName)).isDirectory();
  } catch {
    // not there: readDataFile reports it
  }
  if (isDir) {
    files = (await readdir(path))
      .filter((f) => formatFromName(f) !== undefined)
      .sort()
      .map((f) => join(path, f));
    if (files.length === 0) {
      throw new ConfigError(`${path}: the folder has no .jsonl, .json, .csv, .tsv or .parquet file (optionally .gz) at its top level`);
    }
  } else files = [path];
  const inputs: RatedInput[] = await Promise.all(files.map(async (f) => ({ file: f, data: await readDataFile(f) })));
  return parseRatedDataset(inputs, { ...parseOpts, source: parseOpts.source ?? path });
}

/**
 * Reads an implicit-feedback log file (JSONL, `.gz` allowed) with {@link parseImplicitLog}; `opts.file`
 * defaults to the path.
 */
export async function loadImplicitLog(path: string | URL, opts: ImplicitLogOptions = {}): Promise<ImplicitLog> {
  const file = opts.file ?? pathName(path);
  return parseImplicitLog(await readDataFile(path), { ...opts, file });
}

/**
 * Reads a features JSONL file (`.gz` allowed) with {@link parseFeaturesJsonl} and splits it with
 * `splitObservedRows` (seeded, prompt groups kept whole; a 20 % test split when every row has clean
 * labels). Skipped rows (`onBadRow: 'skip'`) are reported to `log`.
 */
export async function loadFeaturesFile(path: string, seed: number, opts: FeaturesParseOptions = {}, log: (line: string) => void = () => {}): Promise<SplitFeatureSets> {
  const all = parseFeaturesJsonl(await readDataFile(path), path, opts);
  if (Object.keys(all.skipped).length) log(`${path}: ${formatSkipCounts(all.skipped)}`);
  return splitObservedRows(all, path, seed) as SplitFeatureSets;
}

/** A data file read and parsed, by what it holds (see {@link readDataSource}). */
export type DataSource =
  | { kind: "features"; features: FeatureSet & { skipped: SkipCounts } }
  | { kind: "implicit-log"; log: ImplicitLog }
  | { kind: "rated"; rated: RatedDataset };

/**
 * Reads a data spec once and parses it by what it holds ({@link detectDataKind} on the bytes
 * read): a features JSONL file, an implicit-feedback log, or rated data (any adapter, picked as in
 * {@link loadRatedDataset} with `opts`). Folders, `hf:` names and paths that cannot be read as a
 * file go to {@link loadRatedDataset}, which reads them or says what is wrong. `opts.onBadRow`
 * applies to every kind.
 */
export async function readDataSource(spec: string, opts: LoadRatedOptions = {}): Promise<DataSource> {
  if (spec.startsWith("hf:")) return { kind: "rated", rated: await loadRatedDataset(spec, opts) };
  let bytes: Uint8Array;
  try {
    bytes = await readDataFile(spec);
  } catch {
    return { kind: "rated", rated: await loadRatedDataset(spec, opts) }; // folders and hub names; it reports what is wrong
  }
  const kind: DataKind = detectDataKind(bytes);
  if (kind === "features") return { kind, features: parseFeaturesJsonl(bytes, spec, opts.onBadRow !== undefined ? { onBadRow: opts.onBadRow } : {}) };
  if (kind === "implicit-log") return { kind, log: await parseImplicitLog(bytes, { ...(opts.onBadRow !== undefined ? { onBadRow: opts.onBadRow } : {}), file: spec }) };
  const { hf: _hf, ...parseOpts } = opts;
  return { kind, rated: await parseRatedDataset([{ file: spec, data: bytes }], { ...parseOpts, source: parseOpts.source ?? spec }) };
}

function pathName(path: string | URL): string {
  return typeof path === "string" ? path : fileURLToPath(path);
}

function looksLikeHfName(s: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(s) && formatFromName(s) === undefined;
}
