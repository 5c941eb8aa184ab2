/**
 * Byte and text helpers for the readers: gzip detection and decompression (pure JS), strict UTF-8
 * decoding that reports the bad line, and a stable hash for prompt ids. Browser-safe.
 */
import { DataError } from "@implicitrm/core/errors";
import { gunzip } from "hyparquet-compressors";
import { type BadRows, RowProblem } from "../bad-rows.js";

/** True when the bytes start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes in pure JavaScript (the Node readers use zlib instead, which is faster).
 * Throws DataError naming `file` when the data is not valid gzip.
 */
export function gunzipBytes(bytes: Uint8Array, file: string): Uint8Array {
  try {
    return gunzip(bytes);
  } catch (e) {
    throw new DataError(`not valid gzip data (${(e as Error).message})`, { file }, { cause: e });
  }
}

/** Views bytes of any accepted input kind as a Uint8Array (no copy). */
export function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

const fatal = new TextDecoder("utf-8", { fatal: true });

/**
 * Longest text one input may hold, in bytes: V8's maximum string length (2^29 − 24 UTF-16 units;
 * UTF-8 needs at least one byte per unit, so more bytes than this cannot all fit in one string).
 */
export const MAX_TEXT_BYTES = 2 ** 29 - 24;

/**
 * Decodes UTF-8 text strictly. A leading BOM is dropped. More than {@link MAX_TEXT_BYTES} bytes is a
 * DataError (one string cannot hold them). When some bytes are not valid UTF-8, each
 * line (split at `\n`) is decoded on its own and a bad line is reported to `bad` with its 1-based line
 * and cause `badUtf8` (DataError with 'fail'; with 'skip' the line is replaced by an empty line, so the
 * line numbers of the other rows stay right).
 */
export function decodeUtf8(bytes: Uint8Array, file: string, bad: BadRows): string {
  if (bytes.length > MAX_TEXT_BYTES) {
    throw new DataError(
      `the file holds ${(bytes.length / 2 ** 20).toFixed(0)} MB of text, more than one JavaScript string can (${MAX_TEXT_BYTES >> 20} MB); split it into shards in one folder (a folder is read as one dataset), or use Parquet`,
      { file },
    );
  }
  try {
    return stripBom(fatal.decode(bytes));
  } catch {
    // fall through to the per-line pass that finds the bad line(s)
  }
  const lines: string[] = [];
  let start = 0;
  let line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      const chunk = bytes.subarray(start, i);
      try {
        lines.push(fatal.decode(chunk));
      } catch {
        bad.report(new RowProblem("badUtf8", "the line is not valid UTF-8"), { file, line });
        lines.push("");
      }
      start = i + 1;
      line++;
    }
  }
  return stripBom(lines.join("\n"));
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/**
 * A stable 53-bit hash of a string (cyrb53) as 14 hex digits, prefixed `p:`; used as the prompt id of
 * sources that have none, so that responses to the same prompt text share a group.
 */
export function hashText(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const v = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return `p:${v.toString(16).padStart(14, "0")}`;
}
