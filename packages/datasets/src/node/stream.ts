/**
 * Reading a table record by record, for work whose memory must not grow with the number of rows
 * (scoring a file): JSONL (`.jsonl`/`.ndjson`, gzip-compressed or not) is streamed line by line;
 * other formats (CSV/TSV, JSON arrays, Parquet) are parsed whole by the table readers and then
 * handed out one record at a time. Node only.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { DataError } from "@implicitrm/core/errors";
import { BadRows, RowProblem } from "../bad-rows.js";
import { isGzip } from "../readers/bytes.js";
import { type FileFormat, type SourceRecord, formatFromName, jsonlObject, readRecordsInto, sniffFormat } from "../readers/records.js";
import type { BadRowPolicy, SkipCounts } from "../types.js";
import { MAX_LINE_BYTES, readDataFile } from "./io.js";

/** Options of {@link streamRecords}; every field has a default. */
export interface StreamRecordsOptions {
  /** The format, overriding the extension and the content. Default: guessed as the table readers do. */
  format?: FileFormat;
  /** 'fail' (default) or 'skip' malformed lines (bad JSON, bad UTF-8, bad CSV records). */
  onBadRow?: BadRowPolicy;
  /**
   * Most bytes of one line; a longer one is a DataError naming the file and line, raised while it
   * streams in (memory stays bounded by this). Default MAX_LINE_BYTES (128 MiB).
   */
  maxLineBytes?: number;
}

/** The records of one file, with the format used and the bad-row policy that the caller shares for its own checks. */
export interface RecordStream {
  format: FileFormat;
  /** True when the file is read line by line (JSONL); false when it was parsed whole. */
  streamed: boolean;
  /** The records in file order. Iterate once. */
  records: AsyncIterable<SourceRecord>;
  /** The bad-row policy and counts: report the caller's own row problems here so that they count alike. */
  bad: BadRows;
  /** Rows skipped so far, by cause. */
  readonly skipped: SkipCounts;
  /** The share of the input read so far, in [0, 1] (bytes of the file for JSONL, records otherwise). */
  fraction(): number;
}

const FATAL_UTF8 = new TextDecoder("utf-8", { fatal: true });

async function* jsonlLines(input: ReturnType<typeof createReadStream>, gz: boolean, file: string, bad: BadRows, maxLineBytes: number): AsyncGenerator<SourceRecord> {
  const stream = gz ? input.pipe(createGunzip()) : input;
  let line = 0;
  let row = 0;
  const take = (bytes: Uint8Array): SourceRecord | undefined => {
    line++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    let raw: string;
    try {
      raw = FATAL_UTF8.decode(bytes.subarray(line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0, end));
    } catch {
      bad.report(new RowProblem("badUtf8", "the line is not valid UTF-8"), { file, line });
      return undefined;
    }
    if (raw.trim() === "") return undefined;
    const value = jsonlObject(raw, file, line, bad);
    return value === undefined ? undefined : { value, file, line, row: row++ };
  };
  // the bytes of the line being read, as the chunks they came in (joined once, when the line ends:
  // joining on every chunk was quadratic in the line's length), and their total length
  let parts: Uint8Array[] = [];
  let partsLen = 0;
  const tooLong = () =>
    new DataError(`the line is longer than ${maxLineBytes} bytes (the line limit, maxLineBytes); a row that long is not a rated example: check the file`, { file, line: line + 1 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, start)) {
        let bytes: Uint8Array = chunk.subarray(start, i);
        if (partsLen + bytes.length > maxLineBytes) throw tooLong();
        if (parts.length) {
          bytes = joinParts([...parts, bytes], partsLen + bytes.length);
          parts = [];
          partsLen = 0;
        }
        const rec = take(bytes);
        start = i + 1;
        if (rec) yield rec;
      }
      if (start < chunk.length) {
        parts.push(chunk.subarray(start));
        partsLen += chunk.length - start;
        if (partsLen > maxLineBytes) throw tooLong();
      }
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot read the file (${(e as Error).message})${gz ? "; the gzip data may be truncated" : ""}`, { file, line: line + 1 }, { cause: e });
  } finally {
    input.destroy();
  }
  if (partsLen > 0) {
    const rec = take(joinParts(parts, partsLen));
    if (rec) yield rec;
  }
}

function joinParts(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Opens a table file for reading record by record. JSONL (by its extension, or a `.json` file whose
 * content starts with `{`; gzip detected by its magic bytes) is streamed line by line in constant
 * memory; anything else is read whole by the table readers. Malformed lines are DataErrors naming
 * file and line, or skipped and counted (`onBadRow: 'skip'`). A file that cannot be read is a
 * DataError naming it.
 */
export async function streamRecords(path: string, opts: StreamRecordsOptions = {}): Promise<RecordStream> {
  const bad = new BadRows(opts.onBadRow);
  const file = path;
  let head: Uint8Array;
  let size = 0;
  try {
    const fh = await open(path, "r");
    try {
      size = (await fh.stat()).size;
      const b = new Uint8Array(4096);
      const { bytesRead } = await fh.read(b, 0, b.length, 0);
      head = b.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new DataError(`cannot read the file (${(e as Error).message}); check the path`, { file }, { cause: e });
  }
  const gz = isGzip(head);
  const byName = formatFromName(path);
  const jsonl = opts.format === "jsonl" || (opts.format === undefined && (byName === "jsonl" || (!gz && sniffFormat(head, file) === "jsonl")));
  if (jsonl) {
    const input = createReadStream(path);
    return {
      format: "jsonl",
      streamed: true,
      records: jsonlLines(input, gz, file, bad, opts.maxLineBytes ?? MAX_LINE_BYTES),
      bad,
      get skipped() {
        return bad.skipped;
      },
      fraction: () => (size > 0 ? Math.min(1, input.bytesRead / size) : 1),
    };
  }
  const bytes = await readDataFile(path, opts.maxLineBytes !== undefined ? { maxLineBytes: opts.maxLineBytes } : {});
  const { records, format } = await readRecordsInto(bytes, file, opts.format, bad);
  let given = 0;
  async function* each() {
    for (const r of records) {
      given++;
      yield r;
    }
  }
  return {
    format,
    streamed: false,
    records: each(),
    bad,
    get skipped() {
      return bad.skipped;
    },
    fraction: () => (records.length ? given / records.length : 1),
  };
}
