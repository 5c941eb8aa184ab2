/**
 * Reading feature stores (Node only; the format is store/format.ts): the header and the label
 * columns are loaded with their checksums verified, feature rows are read on demand with positioned
 * reads, so the features never need to fit in memory.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import type { ActivityBlock, RowSource } from "@implicitrm/core/types";
import {
  CTORS,
  type ColumnArray,
  FEATURE_STORE_HEADER,
  type FeatureStoreHeader,
  type StoreColumn,
  type StoreColumnName,
  checkStoreHeader,
  dtypeBytes,
} from "./format.js";

const MAX_HEADER_BYTES = 64 << 20;

/** SHA-256 of bytes, hex (the checksums of a store's files). */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Stores are little-endian: a ConfigError on a big-endian machine. */
export function checkLittleEndian(): void {
  if (endianness() !== "LE") throw new ConfigError("feature stores are little-endian; this machine is big-endian");
}

/** Options of {@link openFeatureStore}. */
export interface OpenFeatureStoreOptions {
  /** Also check every block's checksum now (reads all features once). Default false: sizes only. */
  verify?: boolean;
  /** Load the row ids (one string per row; memory grows with n). Default false. */
  ids?: boolean;
}

/** Whether `dir` is a feature store directory (has a header file). */
export function isFeatureStore(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && existsSync(join(dir, FEATURE_STORE_HEADER));
  } catch {
    return false;
  }
}

/**
 * An open feature store: a {@link RowSource} whose labels and activity block are in memory and whose
 * features are read on demand (`readRows`), a block file at a time. Close it when done.
 * Rated stores have no observed feedback: their `r` is all zeros until a loader simulates it.
 */
export class FeatureStore implements RowSource {
  readonly n: number;
  readonly dim: number;
  r: Uint8Array;
  rStar?: Uint8Array;
  explicitNegative?: Uint8Array;
  group?: Int32Array;
  propensity?: Float32Array;
  grade?: Float32Array;
  rating?: Float32Array;
  length?: Float32Array;
  activity?: ActivityBlock;
  ids?: string[];
  private readonly fds: Array<number | null>;

  private constructor(
    readonly dir: string,
    readonly header: FeatureStoreHeader,
    columns: Partial<Record<StoreColumnName, ColumnArray>>,
    ids: string[] | undefined,
  ) {
    this.n = header.n;
    this.dim = header.dim;
    this.r = (columns.r as Uint8Array | undefined) ?? new Uint8Array(header.n);
    if (columns.rStar) this.rStar = columns.rStar as Uint8Array;
    if (columns.explicitNegative) this.explicitNegative = columns.explicitNegative as Uint8Array;
    if (columns.group) this.group = columns.group as Int32Array;
    if (columns.propensity) this.propensity = columns.propensity as Float32Array;
    if (columns.grade) this.grade = columns.grade as Float32Array;
    if (columns.rating) this.rating = columns.rating as Float32Array;
    if (columns.length) this.length = columns.length as Float32Array;
    if (columns.activity) {
      const a = header.columns.activity!;
      this.activity = { dim: a.dim!, features: columns.activity as Float32Array, ...(a.names ? { names: [...a.names] } : {}) };
    }
    if (ids) this.ids = ids;
    this.fds = header.blocks.map(() => null);
  }

  /** Opens and checks a store; see {@link openFeatureStore}. */
  static open(dir: string, opts: OpenFeatureStoreOptions = {}): FeatureStore {
    checkLittleEndian();
    const headerFile = join(dir, FEATURE_STORE_HEADER);
    let text: string;
    try {
      if (statSync(headerFile).size > MAX_HEADER_BYTES) throw new DataError(`the header is over ${MAX_HEADER_BYTES >> 20} MB`, { file: headerFile });
      text = readFileSync(headerFile, "utf8");
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw new DataError(`cannot read the feature store header (${(e as Error).message}); is ${dir} a store written by \`implicitrm embed\`?`, { file: headerFile }, { cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new DataError(`the feature store header is not valid JSON (${(e as Error).message})`, { file: headerFile });
    }
    const header = checkStoreHeader(json, headerFile);
    const rowBytes = 4 * header.dim;
    for (const b of header.blocks) {
      const file = join(dir, b.file);
      let size: number;
      try {
        size = statSync(file).size;
      } catch (e) {
        throw new DataError(`a feature block is missing (${(e as Error).message}); the store is incomplete, write it again`, { file }, { cause: e });
      }
      if (size !== b.rows * rowBytes) {
        throw new DataError(`the block holds ${size} bytes, expected ${b.rows} rows × ${header.dim} float32 = ${b.rows * rowBytes}; the store is damaged or truncated`, { file });
      }
      if (opts.verify) checkSha(readFileSync(file), b.sha256, file);
    }
    const columns: Partial<Record<StoreColumnName, ColumnArray>> = {};
    for (const [name, c] of Object.entries(header.columns) as [StoreColumnName, StoreColumn][]) {
      const file = join(dir, c.file);
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new DataError(`a label column is missing (${(e as Error).message})`, { file, field: name }, { cause: e });
      }
      const width = c.dim ?? 1;
      const expected = header.n * width * dtypeBytes(c.dtype);
      if (bytes.length !== expected) throw new DataError(`column ${name} holds ${bytes.length} bytes, expected ${expected} for ${header.n} rows`, { file, field: name });
      checkSha(bytes, c.sha256, file);
      const arr = new CTORS[c.dtype](header.n * width);
      new Uint8Array(arr.buffer).set(bytes);
      if (name === "r" || name === "rStar" || name === "explicitNegative") {
        const bad = (arr as Uint8Array).findIndex((v) => v !== 0 && v !== 1);
        if (bad >= 0) throw new DataError(`${name} must be 0 or 1, got ${arr[bad]}`, { file, row: bad, field: name });
      } else if (c.dtype === "float32") {
        const bad = (arr as Float32Array).findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new DataError(`${name} is ${arr[bad]} (not a finite number)`, { file, row: Math.floor(bad / width), field: name });
      }
      columns[name] = arr;
    }
    let ids: string[] | undefined;
    if (opts.ids && header.ids) {
      const file = join(dir, header.ids.file);
      const bytes = readFileSync(file);
      checkSha(bytes, header.ids.sha256, file);
      ids = bytes.toString("utf8").split("\n");
      if (ids.at(-1) === "") ids.pop();
      if (ids.length !== header.n) throw new DataError(`${ids.length} ids for ${header.n} rows`, { file, field: "ids" });
    }
    return new FeatureStore(dir, header, columns, ids);
  }

  /** Copies the features of `rows` into `out` (row-major); consecutive rows of one block are read at once. */
  readRows(rows: ArrayLike<number>, out: Float32Array): void {
    const d = this.dim;
    const br = this.header.blockRows;
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    let k = 0;
    while (k < rows.length) {
      const row = rows[k]!;
      if (!(Number.isInteger(row) && row >= 0 && row < this.n)) throw new RangeError(`feature store: row ${row} is not in [0, ${this.n})`);
      const b = Math.floor(row / br);
      // extend the run while the next rows follow on in the same block
      let run = 1;
      while (k + run < rows.length && rows[k + run] === row + run && Math.floor((row + run) / br) === b) run++;
      const fd = this.fd(b);
      const want = run * d * 4;
      let got = 0;
      const position = (row - b * br) * d * 4;
      while (got < want) {
        const m = readSync(fd, bytes, k * d * 4 + got, want - got, position + got);
        if (m === 0) throw new DataError(`the block ended early (row ${row + Math.floor(got / (4 * d))}); the store was truncated after it was opened`, { file: join(this.dir, this.header.blocks[b]!.file) });
        got += m;
      }
      for (let i = k * d; i < (k + run) * d; i++) {
        if (!Number.isFinite(out[i]!)) {
          const at = row + Math.floor((i - k * d) / d);
          throw new DataError(`feature ${(i - k * d) % d} is ${out[i]} (not a finite number); the store is damaged or was written from bad vectors`, {
            file: join(this.dir, this.header.blocks[b]!.file),
            row: at,
            field: `features[${(i - k * d) % d}]`,
          });
        }
      }
      k += run;
    }
  }

  /** The rows of block `b` (a new array). */
  readBlock(b: number): Float32Array {
    const block = this.header.blocks[b];
    if (!block) throw new RangeError(`feature store: no block ${b}`);
    const start = b * this.header.blockRows;
    const rows = new Int32Array(block.rows);
    for (let i = 0; i < rows.length; i++) rows[i] = start + i;
    const out = new Float32Array(block.rows * this.dim);
    this.readRows(rows, out);
    return out;
  }

  private fd(b: number): number {
    let fd = this.fds[b];
    if (fd === null || fd === undefined) {
      const file = join(this.dir, this.header.blocks[b]!.file);
      try {
        fd = openSync(file, "r");
      } catch (e) {
        throw new DataError(`cannot open a feature block (${(e as Error).message})`, { file }, { cause: e });
      }
      if (fstatSync(fd).size !== this.header.blocks[b]!.rows * this.dim * 4) {
        closeSync(fd);
        throw new DataError("the block's size changed since the store was opened", { file });
      }
      this.fds[b] = fd;
    }
    return fd;
  }

  /** Closes the block files (reads after this reopen them). */
  close(): void {
    for (let b = 0; b < this.fds.length; b++) {
      const fd = this.fds[b];
      if (fd !== null && fd !== undefined) closeSync(fd);
      this.fds[b] = null;
    }
  }
}

function checkSha(bytes: Uint8Array, expected: string, file: string): void {
  if (sha256(bytes) !== expected) {
    throw new DataError("checksum mismatch: the file was changed or damaged after the store was written; write the store again", { file });
  }
}

/**
 * Opens a feature store directory: checks the header (format, version, layout, file names), each
 * block's size, and each label column's size, checksum and values; with `verify`, each block's
 * checksum too. Features are read later, on demand. DataError naming the file otherwise.
 */
export function openFeatureStore(dir: string, opts: OpenFeatureStoreOptions = {}): FeatureStore {
  return FeatureStore.open(dir, opts);
}

/** Checks every block's checksum (reads the whole store once); throws a DataError naming the first bad file. */
export function verifyFeatureStore(dir: string): FeatureStoreHeader {
  const store = FeatureStore.open(dir, { verify: true });
  store.close();
  return store.header;
}
