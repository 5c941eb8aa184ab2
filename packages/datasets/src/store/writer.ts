/**
 * Writing feature stores (Node only; the format is store/format.ts). Everything goes to a temporary
 * directory beside the target, moved into place once the header is written (core's
 * `replaceDirSync`), so a crash never leaves a half-written store under the final name.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { fsyncTreeSync, replaceDirSync, tempPathFor } from "@implicitrm/core/node";
import {
  CTORS,
  FEATURE_STORE_FORMAT,
  FEATURE_STORE_HEADER,
  FEATURE_STORE_VERSION,
  type ColumnArray,
  type FeatureStoreHeader,
  STORE_COLUMNS,
  type StoreBlock,
  type StoreColumn,
  type StoreColumnName,
  type StoreDtype,
  type StoreKind,
  type StoreRatedInfo,
  checkStoreHeader,
} from "./format.js";
import { checkLittleEndian, sha256 } from "./reader.js";

/** Options of {@link FeatureStoreWriter.create}. */
export interface FeatureStoreWriterOptions {
  /** Feature dimension D. */
  dim: number;
  kind: StoreKind;
  /** Rows per block file (default: about 32 MB of features per block). */
  blockRows?: number;
  /** Ratings' adapter, field, scale and direction (kind 'rated'). */
  rated?: StoreRatedInfo;
  encoder?: { spec?: string; id: string; config: Record<string, unknown>; dim: number };
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
  /** 1 for a thumbs-down row (a known NA row, r = 0); written only when some row of the data is one. */
  explicitNegative?: ArrayLike<number>;
  ids?: readonly string[];
}

/** A growable typed array. */
class Column {
  data: ColumnArray;
  length = 0;
  constructor(
    readonly dtype: StoreDtype,
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

const COLUMN_FILES: Record<StoreColumnName, string> = {
  r: "r.u8",
  rStar: "rStar.u8",
  group: "group.i32",
  rating: "rating.f32",
  length: "length.f32",
  propensity: "propensity.f32",
  grade: "grade.f32",
  activity: "activity.f32",
  explicitNegative: "explicitNegative.u8",
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
    this.tmp = tempPathFor(dir);
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
      if (name === "r" || name === "rStar" || name === "explicitNegative") {
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
      if (!o.overwrite && existsSync(this.dir)) throw new ConfigError(`${this.dir} appeared while the store was being written; not replacing it`);
      fsyncTreeSync(this.tmp); // durable before it takes the store's name
      replaceDirSync(this.tmp, this.dir, { doing: "writing the feature store" });
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
