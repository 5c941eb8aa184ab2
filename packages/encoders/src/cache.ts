/**
 * A content-addressed, append-only embedding cache on disk, and `CachedEncoder`, which puts it in
 * front of any encoder. Node only (node:fs, node:crypto).
 *
 * One file per (encoder id, encoder config) in the cache directory, named
 * `<id-slug>-<16 hex of sha256(id, config)>.irmemb`:
 *
 * ```
 * header  "IRMEMB01" | u32 json length | u32 crc32(json) | json | zero padding to a multiple of 8
 *         json = {format, version, encoderId, config, dim, dtype: "float32", key: "sha256/128", recordBytes, createdAt}
 * records (fixed size 32 + 4·dim bytes, little-endian)
 *         u32 0x31434552 ("REC1") | u32 payload length (16 + 4·dim) | u32 crc32(payload) | u32 0
 *         payload = 16-byte key (first half of sha256 of the text) | dim float32
 * ```
 *
 * Appends write whole records in one `write` call. After a crash the file may end in a torn record
 * (short, or with a bad checksum): on reopen the torn tail is detected, ignored and cut off, and the
 * records before it are kept. A bad record followed by good ones, or a bad header, is corruption,
 * not a torn write: opening rejects with a DataError instead of reading damaged bytes as vectors.
 * One writer per file at a time (two processes appending to the same file is not supported).
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, ftruncateSync, fdatasyncSync, openSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { writeFileAtomicSync } from "@implicitrm/core/node";
import { canonicalJson } from "./canonical-json.js";
import { type EncodeOptions, type Encoder, type TextPair, checkPairs, checkTexts, encodePairs } from "./encoder.js";

const MAGIC = "IRMEMB01";
const RECORD_MAGIC = 0x31434552; // "REC1" little-endian
const KEY_BYTES = 16;
const REC_HEADER = 16;
const FORMAT = "implicitrm-embedding-cache";
const VERSION = 1;
const MAX_HEADER_JSON = 16 << 20;

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of `bytes`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const t = CRC_TABLE;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The 16-byte cache key of a text (first half of its UTF-8 SHA-256), as a 16-char latin1 string. */
export function textKey(text: string): string {
  return createHash("sha256").update(text, "utf8").digest().subarray(0, KEY_BYTES).toString("latin1");
}

/** The cache key of a (prompt, response) pair: distinct from any plain text's key. */
export function pairKey(pair: TextPair): string {
  return createHash("sha256")
    .update("\u0000implicitrm-pair\u0000", "utf8")
    .update(pair.prompt, "utf8")
    .update("\u0000", "utf8")
    .update(pair.response, "utf8")
    .digest()
    .subarray(0, KEY_BYTES)
    .toString("latin1");
}

/** What identifies one cache file: the encoder's id, config and dimension. */
export interface CacheIdentity {
  encoderId: string;
  config: Readonly<Record<string, unknown>>;
  dim: number;
}

/** Options of {@link EmbeddingCache.open}. */
export interface EmbeddingCacheOptions {
  /** fdatasync after every append, so a power loss cannot lose acknowledged records. Default false (slower). */
  fsync?: boolean;
  /** Open without writing: no file is created, a torn tail is ignored but not cut off, `put` throws. Default false. */
  readonly?: boolean;
}

/** The file name (within the cache directory) for an encoder identity. */
export function cacheFileName(id: CacheIdentity): string {
  const slug = id.encoderId.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60);
  const h = createHash("sha256").update(canonicalJson({ id: id.encoderId, config: id.config, dim: id.dim })).digest("hex");
  return `${slug}-${h.slice(0, 16)}.irmemb`;
}

/**
 * One cache file, loaded in memory (vectors in a Float32 arena, keys in a Map) and open for
 * appending. See the module comment for the format and the crash-safety rules.
 */
export class EmbeddingCache {
  /** Records dropped from a torn tail when the file was opened (0 when the last write was whole). */
  readonly tornRecordsDropped: number;
  /** Bytes of torn tail ignored (and cut off unless read-only) when the file was opened. */
  readonly tornBytesDropped: number;
  private readonly index = new Map<string, number>();
  private arena: Float32Array;
  private rows = 0;
  private fd: number | null;
  private readonly recordBytes: number;

  private constructor(
    readonly path: string,
    readonly identity: CacheIdentity,
    private readonly opts: EmbeddingCacheOptions,
    fd: number | null,
    bytes: Uint8Array,
    headerEnd: number,
  ) {
    const dim = identity.dim;
    this.recordBytes = REC_HEADER + KEY_BYTES + 4 * dim;
    this.fd = fd;
    const R = this.recordBytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const full = Math.floor((bytes.length - headerEnd) / R);
    this.arena = new Float32Array(Math.max(64, full) * dim);
    const valid = (off: number) =>
      view.getUint32(off, true) === RECORD_MAGIC &&
      view.getUint32(off + 4, true) === KEY_BYTES + 4 * dim &&
      view.getUint32(off + 8, true) === crc32(bytes, off + REC_HEADER, off + R);
    let good = 0;
    for (; good < full; good++) {
      const off = headerEnd + good * R;
      if (!valid(off)) break;
      const key = Buffer.from(bytes.buffer, bytes.byteOffset + off + REC_HEADER, KEY_BYTES).toString("latin1");
      const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + off + REC_HEADER + KEY_BYTES, bytes.byteOffset + off + R));
      if (!this.index.has(key)) {
        this.arena.set(floats, this.rows * dim);
        this.index.set(key, this.rows++);
      }
    }
    if (good < full) {
      for (let k = good + 1; k < full; k++) {
        if (valid(headerEnd + k * R)) {
          throw new DataError(
            `corrupted embedding cache: record ${good} (byte ${headerEnd + good * R}) fails its checksum but record ${k} after it is valid, ` +
              "so this is damage, not a torn write; delete the file to rebuild the cache",
            { file: path },
          );
        }
      }
    }
    const keepBytes = headerEnd + good * R;
    this.tornBytesDropped = bytes.length - keepBytes;
    this.tornRecordsDropped = Math.ceil(this.tornBytesDropped / R);
    if (this.tornBytesDropped > 0 && fd !== null) ftruncateSync(fd, keepBytes);
  }

  /**
   * Opens (or creates) the cache file for `identity` in directory `dir` (created if missing) and
   * loads it. Rejects with a DataError for a file that is not a cache, has a damaged header, belongs
   * to another encoder, or has a damaged record followed by good ones; a torn tail is dropped.
   */
  static open(dir: string, identity: CacheIdentity, opts: EmbeddingCacheOptions = {}): EmbeddingCache {
    if (!Number.isInteger(identity.dim) || identity.dim < 1) throw new ConfigError(`embedding cache: bad dim ${identity.dim}`);
    const path = join(dir, cacheFileName(identity));
    if (!existsSync(path)) {
      if (opts.readonly) return new EmbeddingCache(path, identity, opts, null, new Uint8Array(0), 0);
      // The header appears whole or not at all (temporary file, then rename; creates `dir`).
      writeFileAtomicSync(path, encodeHeader(identity), "creating the embedding cache");
    }
    const fd = openSync(path, opts.readonly ? "r" : "r+");
    try {
      const size = fstatSync(fd).size;
      const bytes = new Uint8Array(size);
      let got = 0;
      while (got < size) {
        const n = readSync(fd, bytes, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      const headerEnd = decodeHeader(bytes.subarray(0, got), identity, path);
      const cache = new EmbeddingCache(path, identity, opts, opts.readonly ? null : fd, bytes.subarray(0, got), headerEnd);
      if (opts.readonly) closeSync(fd);
      return cache;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Number of distinct keys held. */
  get size(): number {
    return this.index.size;
  }

  /** The vector stored for `key` (a view into the cache's memory; copy before modifying), or undefined. */
  get(key: string): Float32Array | undefined {
    const r = this.index.get(key);
    if (r === undefined) return undefined;
    const d = this.identity.dim;
    return this.arena.subarray(r * d, (r + 1) * d);
  }

  /** Whether `key` is stored. */
  has(key: string): boolean {
    return this.index.has(key);
  }

  /**
   * Appends records for `keys` (row i of `vectors`, row-major with `dim` columns) in one write, and
   * makes them visible to `get`. Keys already stored are skipped. Throws on a read-only cache.
   */
  put(keys: readonly string[], vectors: Float32Array): void {
    const dim = this.identity.dim;
    if (vectors.length !== keys.length * dim) {
      throw new ConfigError(`embedding cache: ${keys.length} keys need ${keys.length * dim} floats, got ${vectors.length}`);
    }
    if (this.fd === null) throw new ConfigError(`embedding cache ${this.path} is open read-only (or closed)`);
    const fresh: number[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (!this.index.has(k) && !seen.has(k)) {
        seen.add(k);
        fresh.push(i);
      }
    }
    if (fresh.length === 0) return;
    const R = this.recordBytes;
    const buf = Buffer.alloc(fresh.length * R);
    const payloadLen = KEY_BYTES + 4 * dim;
    fresh.forEach((i, n) => {
      const off = n * R;
      buf.writeUInt32LE(RECORD_MAGIC, off);
      buf.writeUInt32LE(payloadLen, off + 4);
      buf.write(keys[i]!, off + REC_HEADER, KEY_BYTES, "latin1");
      const src = new Uint8Array(vectors.buffer, vectors.byteOffset + i * dim * 4, dim * 4);
      buf.set(src, off + REC_HEADER + KEY_BYTES);
      buf.writeUInt32LE(crc32(buf, off + REC_HEADER, off + R), off + 8);
    });
    const size = fstatSync(this.fd).size;
    let written = 0;
    while (written < buf.length) written += writeSync(this.fd, buf, written, buf.length - written, size + written);
    if (this.opts.fsync) fdatasyncSync(this.fd);
    this.reserve(this.rows + fresh.length);
    for (const i of fresh) {
      this.arena.set(vectors.subarray(i * dim, (i + 1) * dim), this.rows * dim);
      this.index.set(keys[i]!, this.rows++);
    }
  }

  /** Closes the file. Later `get` calls still work; `put` throws. Safe to call twice. */
  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  private reserve(rows: number): void {
    const need = rows * this.identity.dim;
    if (need <= this.arena.length) return;
    const next = new Float32Array(Math.max(need, this.arena.length * 2));
    next.set(this.arena);
    this.arena = next;
  }
}

function encodeHeader(id: CacheIdentity): Uint8Array {
  const json = Buffer.from(
    JSON.stringify({
      format: FORMAT,
      version: VERSION,
      encoderId: id.encoderId,
      config: id.config,
      dim: id.dim,
      dtype: "float32",
      key: "sha256/128",
      recordBytes: REC_HEADER + KEY_BYTES + 4 * id.dim,
      createdAt: new Date().toISOString(),
    }),
    "utf8",
  );
  const end = Math.ceil((16 + json.length) / 8) * 8;
  const buf = Buffer.alloc(end);
  buf.write(MAGIC, 0, "latin1");
  buf.writeUInt32LE(json.length, 8);
  buf.writeUInt32LE(crc32(json), 12);
  json.copy(buf, 16);
  return buf;
}

/** Validates the header against `expected`; returns where the records start. */
function decodeHeader(bytes: Uint8Array, expected: CacheIdentity, path: string): number {
  const bad = (why: string) =>
    new DataError(`not a readable embedding cache file (${why}); delete it to rebuild the cache`, { file: path });
  if (bytes.length < 16) throw bad(`only ${bytes.length} bytes, shorter than the header`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.toString("latin1", 0, 8) !== MAGIC) throw bad("wrong magic bytes");
  const len = b.readUInt32LE(8);
  if (len > MAX_HEADER_JSON || 16 + len > b.length) throw bad(`header length ${len} runs past the end of the file`);
  if (crc32(b, 16, 16 + len) !== b.readUInt32LE(12)) throw bad("header checksum mismatch");
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(b.toString("utf8", 16, 16 + len));
  } catch {
    throw bad("header is not JSON");
  }
  if (h.format !== FORMAT || h.version !== VERSION) throw bad(`format ${String(h.format)} version ${String(h.version)}`);
  if (h.dtype !== "float32" || h.dim !== expected.dim || h.recordBytes !== REC_HEADER + KEY_BYTES + 4 * expected.dim) {
    throw bad(`header says dim ${String(h.dim)}, expected ${expected.dim}`);
  }
  if (h.encoderId !== expected.encoderId || canonicalJson(h.config) !== canonicalJson(expected.config)) {
    throw bad(`it belongs to encoder ${String(h.encoderId)} with another configuration`);
  }
  return Math.ceil((16 + len) / 8) * 8;
}

/** Counters of a {@link CachedEncoder}: rows served from the cache, rows computed, calls to the wrapped encoder. */
export interface CacheStats {
  /** Rows answered from the cache (including repeats within one call). */
  hits: number;
  /** Rows not in the cache (each distinct missing text is computed once). */
  misses: number;
  /** Calls made to the wrapped encoder (`encode` or `encodePairs`). Zero on a fully cached re-run. */
  modelCalls: number;
  /** Rows passed to the wrapped encoder. */
  modelRows: number;
  /** Records loaded from the file at open. */
  loadedRecords: number;
  /** Torn records dropped at open (see {@link EmbeddingCache}). */
  tornRecordsDropped: number;
}

/**
 * An encoder that answers from an on-disk {@link EmbeddingCache} and asks the wrapped encoder only
 * for texts it has not seen, appending their vectors to the cache. Keys are (encoder id, encoder
 * config, SHA-256 of the text); texts and (prompt, response) pairs have distinct keys. Same id,
 * dim and config as the wrapped encoder, and the same vectors bit for bit.
 */
export class CachedEncoder implements Encoder {
  readonly id: string;
  readonly dim: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly cache: EmbeddingCache;
  readonly stats: CacheStats;

  /** Opens (or creates) the cache for `encoder` in `cacheDir`; see {@link EmbeddingCache.open} for errors. */
  constructor(
    readonly inner: Encoder,
    cacheDir: string,
    opts: EmbeddingCacheOptions = {},
  ) {
    this.id = inner.id;
    this.dim = inner.dim;
    this.config = inner.config ?? {};
    this.cache = EmbeddingCache.open(cacheDir, { encoderId: inner.id, config: this.config, dim: inner.dim }, opts);
    this.stats = {
      hits: 0,
      misses: 0,
      modelCalls: 0,
      modelRows: 0,
      loadedRecords: this.cache.size,
      tornRecordsDropped: this.cache.tornRecordsDropped,
    };
  }

  /** Encodes texts, computing only those not cached (once each, in first-seen order). */
  async encode(texts: readonly string[], opts?: EncodeOptions): Promise<Float32Array> {
    checkTexts(texts);
    return this.run(
      texts.map(textKey),
      (idx) => this.inner.encode(idx.map((i) => texts[i]!), opts),
    );
  }

  /** Encodes pairs through the wrapped encoder's pair path ({@link encodePairs}), computing only uncached pairs. */
  async encodePairs(pairs: readonly TextPair[], opts?: EncodeOptions): Promise<Float32Array> {
    checkPairs(pairs);
    return this.run(
      pairs.map(pairKey),
      (idx) => encodePairs(this.inner, idx.map((i) => pairs[i]!), opts),
    );
  }

  private async run(keys: string[], compute: (rows: number[]) => Promise<Float32Array>): Promise<Float32Array> {
    const dim = this.dim;
    const out = new Float32Array(keys.length * dim);
    const missing: number[] = [];
    const firstOf = new Map<string, number>();
    const dupes: [number, number][] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = this.cache.get(k);
      if (v) {
        out.set(v, i * dim);
        this.stats.hits++;
        continue;
      }
      const first = firstOf.get(k);
      if (first !== undefined) {
        dupes.push([i, first]);
        this.stats.hits++;
        continue;
      }
      firstOf.set(k, i);
      missing.push(i);
      this.stats.misses++;
    }
    if (missing.length > 0) {
      this.stats.modelCalls++;
      this.stats.modelRows += missing.length;
      const vecs = await compute(missing);
      if (vecs.length !== missing.length * dim) {
        throw new ConfigError(`encoder ${this.id} returned ${vecs.length} floats for ${missing.length} rows of dim ${dim}`);
      }
      missing.forEach((row, n) => {
        out.set(vecs.subarray(n * dim, (n + 1) * dim), row * dim);
      });
      this.cache.put(missing.map((i) => keys[i]!), vecs);
    }
    for (const [i, first] of dupes) out.copyWithin(i * dim, first * dim, (first + 1) * dim);
    return out;
  }

  /** Closes the cache file and disposes the wrapped encoder. */
  async dispose(): Promise<void> {
    this.cache.close();
    await this.inner.dispose?.();
  }

  /** Closes the cache file but leaves the wrapped encoder open (to reuse it elsewhere). */
  close(): void {
    this.cache.close();
  }
}
