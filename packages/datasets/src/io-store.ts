/**
 * Reading and writing feature stores on disk (Node only). See store.ts for the format. Writing goes
 * to a temporary directory beside the target, renamed into place once the header is written, so a
 * crash never leaves a half-written store under the final name. Reading loads the header and the
 * label columns (checksums verified) and reads feature rows on demand with positioned reads, so the
 * features never need to fit in memory.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { endianness } from "node:os";
import { basename, dirname, join } from "node:path";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import type { ActivityBlock, RowSource } from "@implicitrm/core/types";
import {
  FEATURE_STORE_FORMAT,
  FEATURE_STORE_HEADER,
  FEATURE_STORE_VERSION,
  type FeatureStoreHeader,
  STORE_COLUMNS,
  type StoreBlock,
  type StoreColumn,
  type StoreColumnName,
  type StoreKind,
  type StoreRatedInfo,
  checkStoreHeader,
  dtypeBytes,
} from "./store.js";

const MAX_HEADER_BYTES = 64 << 20;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function checkLittleEndian(): void {
  if (endianness() !== "LE") throw new ConfigError("feature stores are little-endian; this machine is big-endian");
}

/** Options of {@link FeatureStoreWriter.create}. */
export interface FeatureStoreWriterOptions {
  /** Feature dimension D. */
  dim: number;
  kind: StoreKind;
  /** Rows per block file (default: about 32 MB of features per block). */
  blockRows?: number;
  /** Ratings' adapter, field, scale and direction (kind 'rated'). */
  rated?: StoreRatedInfo;
  encoder?: { id: string; config: Record<string, unknown>; dim: number };
  source?: string;
  /** Width and column names of the activity block, when rows carry one. */
  activity?: { dim: number; names?: string[] };
  /** Replace an existing store at the path (default false: a ConfigError). */
  overwrite?: boolean;
}

/** One batch of rows for {@link FeatureStoreWriter.append}: k × dim features and k values per column given. */
export interface StoreRows {
  features: Float32Array;
  r?: ArrayLike<number>;
  rStar?: ArrayLike<number>;
  group?: ArrayLike<number>;
  rating?: ArrayLike<number>;
  length?: ArrayLike<number>;
  propensity?: ArrayLike<number>;
  grade?: ArrayLike<number>;
  /** k × activity dim values, row-major. */
  activity?: Float32Array;
  ids?: readonly string[];
}

type ColumnArray = Uint8Array | Int32Array | Float32Array;

/** A growable typed array. */
class Column {
  data: ColumnArray;
  length = 0;
  constructor(
    readonly dtype: keyof typeof CTORS,
    readonly width = 1,
  ) {
    this.data = new CTORS[dtype](1024 * width);
  }
  push(values: ArrayLike<number>): void {
    const need = this.length + values.length;
    if (need > this.data.length) {
      const next = new CTORS[this.dtype](Math.max(need, this.data.length * 2));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    this.data.set(values, this.length);
    this.length = need;
  }
  bytes(): Uint8Array {
    const v = this.data.subarray(0, this.length);
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
}

const CTORS = { uint8: Uint8Array, int32: Int32Array, float32: Float32Array } as const;

const COLUMN_FILES: Record<StoreColumnName, string> = {
  r: "r.u8",
  rStar: "rStar.u8",
  group: "group.i32",
  rating: "rating.f32",
  length: "length.f32",
  propensity: "propensity.f32",
  grade: "grade.f32",
  activity: "activity.f32",
};

/**
 * Writes a feature store: `append` batches of rows (features and the same columns every time), then
 * `finish`. Blocks are written as they fill; the label columns (a few bytes per row) are held in
 * memory until `finish`. Everything goes to a temporary directory that `finish` renames to `dir`.
 */
export class FeatureStoreWriter {
  private readonly tmp: string;
  private readonly block: Float32Array;
  private inBlock = 0;
  private n = 0;
  private readonly blocks: StoreBlock[] = [];
  private readonly columns = new Map<StoreColumnName, Column>();
  private ids: string[] | undefined;
  private closed = false;
  readonly blockRows: number;

  private constructor(
    readonly dir: string,
    private readonly opts: FeatureStoreWriterOptions,
  ) {
    checkLittleEndian();
    const { dim } = opts;
    if (!Number.isInteger(dim) || dim < 1) throw new ConfigError(`feature store: dim must be a positive integer, got ${dim}`);
    this.blockRows = opts.blockRows ?? Math.max(1, Math.floor((32 << 20) / (4 * dim)));
    if (!Number.isInteger(this.blockRows) || this.blockRows < 1) throw new ConfigError(`feature store: blockRows must be a positive integer, got ${opts.blockRows}`);
    if (opts.activity && !(Number.isInteger(opts.activity.dim) && opts.activity.dim >= 1)) {
      throw new ConfigError(`feature store: the activity block needs a positive dimension, got ${opts.activity.dim}`);
    }
    if (existsSync(dir) && !opts.overwrite) {
      throw new ConfigError(`${dir} already exists; choose another --out or remove it (programs: overwrite: true)`);
    }
    mkdirSync(dirname(dir), { recursive: true });
    this.tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(this.tmp);
    this.block = new Float32Array(this.blockRows * dim);
  }

  /** Starts a store at `dir` (nothing appears there until `finish`). */
  static create(dir: string, opts: FeatureStoreWriterOptions): FeatureStoreWriter {
    return new FeatureStoreWriter(dir, opts);
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.n;
  }

  /**
   * Appends k rows. Every batch must give the same columns as the first; features must be finite
   * (a DataError naming the row and column otherwise), labels r and rStar 0 or 1.
   */
  append(rows: StoreRows): void {
    if (this.closed) throw new ConfigError("feature store writer: append after finish or abort");
    const { dim } = this.opts;
    const k = rows.features.length / dim;
    if (!Number.isInteger(k)) throw new DataError(`feature store: ${rows.features.length} feature values are not a whole number of ${dim}-dimensional rows`);
    for (let i = 0; i < rows.features.length; i++) {
      if (!Number.isFinite(rows.features[i]!)) {
        throw new DataError(`feature ${i % dim} of row ${this.n + Math.floor(i / dim)} is ${rows.features[i]} (not a finite number)`, {
          row: this.n + Math.floor(i / dim),
          field: `features[${i % dim}]`,
        });
      }
    }
    const given = (Object.keys(STORE_COLUMNS) as StoreColumnName[]).filter((c) => rows[c] !== undefined);
    if (this.n === 0 && this.columns.size === 0) {
      for (const c of given) this.columns.set(c, new Column(STORE_COLUMNS[c], c === "activity" ? this.opts.activity?.dim ?? 0 : 1));
      if (given.includes("activity") && !this.opts.activity) throw new ConfigError("feature store: rows carry an activity block but the writer was not told its dimension (options.activity)");
      if (rows.ids) this.ids = [];
    } else {
      const have = [...this.columns.keys()].sort().join(",");
      if (given.sort().join(",") !== have) throw new ConfigError(`feature store: every batch must carry the same columns (${have}), this one has ${given.join(",")}`);
      if ((rows.ids !== undefined) !== (this.ids !== undefined)) throw new ConfigError("feature store: give ids with every batch or with none");
    }
    for (const [name, col] of this.columns) {
      const values = rows[name]!;
      const expect = k * col.width;
      if (values.length !== expect) throw new DataError(`feature store: column ${name} has ${values.length} values for ${k} rows`, { field: name });
      if (name === "r" || name === "rStar") {
        for (let i = 0; i < values.length; i++) {
          if (values[i] !== 0 && values[i] !== 1) throw new DataError(`${name} must be 0 or 1, got ${values[i]}`, { row: this.n + i, field: name });
        }
      } else if (col.dtype === "float32") {
        for (let i = 0; i < values.length; i++) {
          if (!Number.isFinite(values[i]!)) throw new DataError(`${name} is ${values[i]} (not a finite number)`, { row: this.n + Math.floor(i / col.width), field: name });
        }
      }
      col.push(values);
    }
    if (this.ids) {
      if (rows.ids!.length !== k) throw new DataError(`feature store: ${rows.ids!.length} ids for ${k} rows`, { field: "ids" });
      for (const id of rows.ids!) {
        if (/[\n\r]/.test(id)) throw new DataError(`row id ${JSON.stringify(id)} holds a line break`, { field: "ids" });
        this.ids.push(id);
      }
    }
    let done = 0;
    while (done < k) {
      const take = Math.min(k - done, this.blockRows - this.inBlock);
      this.block.set(rows.features.subarray(done * dim, (done + take) * dim), this.inBlock * dim);
      this.inBlock += take;
      done += take;
      if (this.inBlock === this.blockRows) this.flush();
    }
    this.n += k;
  }

  private flush(): void {
    if (this.inBlock === 0) return;
    const file = `features-${String(this.blocks.length).padStart(6, "0")}.f32`;
    const v = this.block.subarray(0, this.inBlock * this.opts.dim);
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    writeFileSync(join(this.tmp, file), bytes);
    this.blocks.push({ file, rows: this.inBlock, sha256: sha256(bytes) });
    this.inBlock = 0;
  }

  /**
   * Writes the last block, the columns and the header, and moves the store into place (replacing
   * an existing one only with `overwrite`). Returns the header.
   */
  finish(extra: { info?: Record<string, number | string | boolean>; skipped?: Record<string, number> } = {}): FeatureStoreHeader {
    if (this.closed) throw new ConfigError("feature store writer: finish called twice");
    try {
      if (this.n === 0) throw new DataError("feature store: no rows were written");
      this.flush();
      const columns: Partial<Record<StoreColumnName, StoreColumn>> = {};
      for (const [name, col] of this.columns) {
        const bytes = col.bytes();
        writeFileSync(join(this.tmp, COLUMN_FILES[name]), bytes);
        columns[name] = {
          file: COLUMN_FILES[name],
          dtype: col.dtype,
          sha256: sha256(bytes),
          ...(name === "activity" ? { dim: col.width, ...(this.opts.activity?.names ? { names: [...this.opts.activity.names] } : {}) } : {}),
        };
      }
      let ids: FeatureStoreHeader["ids"];
      if (this.ids) {
        const bytes = Buffer.from(`${this.ids.join("\n")}\n`, "utf8");
        writeFileSync(join(this.tmp, "ids.txt"), bytes);
        ids = { file: "ids.txt", sha256: sha256(bytes) };
      }
      const o = this.opts;
      const header: FeatureStoreHeader = {
        format: FEATURE_STORE_FORMAT,
        version: FEATURE_STORE_VERSION,
        n: this.n,
        dim: o.dim,
        dtype: "float32",
        byteOrder: "little-endian",
        blockRows: this.blockRows,
        blocks: this.blocks,
        columns,
        ...(ids ? { ids } : {}),
        kind: o.kind,
        ...(o.rated ? { rated: o.rated } : {}),
        ...(o.encoder ? { encoder: o.encoder } : {}),
        ...(o.source !== undefined ? { source: o.source } : {}),
        ...(extra.info ? { info: extra.info } : {}),
        ...(extra.skipped && Object.keys(extra.skipped).length ? { skipped: extra.skipped } : {}),
        createdAt: new Date().toISOString(),
      };
      checkStoreHeader(JSON.parse(JSON.stringify(header)), join(this.dir, FEATURE_STORE_HEADER));
      writeFileSync(join(this.tmp, FEATURE_STORE_HEADER), `${JSON.stringify(header, null, 1)}\n`);
      const old = `${this.tmp}.old`;
      if (existsSync(this.dir)) {
        if (!o.overwrite) throw new ConfigError(`${this.dir} appeared while the store was being written; not replacing it`);
        renameSync(this.dir, old);
      }
      renameSync(this.tmp, this.dir);
      rmSync(old, { recursive: true, force: true });
      this.closed = true;
      return header;
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Drops everything written so far. */
  abort(): void {
    this.closed = true;
    rmSync(this.tmp, { recursive: true, force: true });
  }
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
      if (name === "r" || name === "rStar") {
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
