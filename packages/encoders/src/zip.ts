/**
 * Just enough of the ZIP format to read one member (stored or deflated) from an archive in memory,
 * for word-vector files shipped zipped (GloVe). Node only (node:zlib).
 */
import { inflateRawSync } from "node:zlib";
import { DataError } from "@implicitrm/core/errors";

/** A member of a ZIP archive as listed in its central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** Lists the members of a ZIP archive held in `buf`. Throws a DataError when it is not a ZIP file. */
export function listZip(buf: Uint8Array, file = "<zip>"): ZipEntry[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // End of central directory: signature 0x06054b50, searched backwards over the comment (<= 64 KiB).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new DataError("not a ZIP archive (no end-of-central-directory record)", { file });
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const entries: ZipEntry[] = [];
  const dec = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || view.getUint32(p, true) !== 0x02014b50) {
      throw new DataError(`corrupt ZIP central directory at byte ${p}`, { file });
    }
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    entries.push({
      method: view.getUint16(p + 10, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localHeaderOffset: view.getUint32(p + 42, true),
      name: dec.decode(buf.subarray(p + 46, p + 46 + nameLen)),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Extracts one member's bytes (method 0 stored or 8 deflate). Throws a DataError otherwise. */
export function readZipEntry(buf: Uint8Array, entry: ZipEntry, file = "<zip>"): Uint8Array {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const p = entry.localHeaderOffset;
  if (p + 30 > buf.length || view.getUint32(p, true) !== 0x04034b50) {
    throw new DataError(`corrupt ZIP local header for ${entry.name}`, { file });
  }
  const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method === 8) return inflateRawSync(data);
  throw new DataError(`ZIP member ${entry.name} uses compression method ${entry.method}; only stored and deflate are supported`, { file });
}
