/**
 * Training checkpoints on disk: one file per checkpoint holding a core `TrainState` (weights, both
 * optimizers' state, the RNG state, epoch/step, early stopping) with the run's config and its hash.
 *
 * ```
 * "IRMCKPT1" | u32 LE length of the JSON header | JSON header (UTF-8) | zero padding to 8 bytes
 *            | float32 blob (little-endian) | SHA-256 of every byte before it (32 bytes)
 * ```
 * The header is plain JSON; every Float32Array of the state is a `{"$f32": [offset, length]}`
 * reference into the blob. Loading checks the magic, the checksum (a changed or truncated file is
 * refused), the format and package version, then every field's type and every array's shape
 * against the model it describes. Nothing in a checkpoint is executed: it is parsed as data, and
 * keys that could reach object prototypes are refused.
 *
 * A run's checkpoints live in `<out>/checkpoints/`, named `ckpt-s<step>-e<epoch>-b<batch>.irmckpt`
 * so that name order is training order; the last K and the best (the latest evaluation that
 * improved the selection loss) are kept.
 */
import { canonicalJson } from "@implicitrm/encoders";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  type AdamState,
  type CheckpointInfo,
  DataError,
  type HeadName,
  type HeadWeights,
  TRAIN_STATE_FORMAT,
  TRAIN_STATE_VERSION,
  type TrainState,
} from "@implicitrm/core";
import { fileError, fsyncDirSync, writeFileAtomic } from "@implicitrm/core/node";

export const CHECKPOINT_FORMAT = "implicitrm-checkpoint";
export const CHECKPOINT_VERSION = 1;
import { CHECKPOINT_DIR, checkRunDirNoSymlinks } from "./run-dir.js";
export { CHECKPOINT_DIR };
const MAGIC = "IRMCKPT1";
const MAX_HEADER = 256 << 20;

/** This package's version, recorded in every checkpoint; resuming needs the same. */
export const TRAINER_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

/** What a checkpoint file says besides the state. */
export interface CheckpointHeader {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  /** The @implicitrm/trainer version that wrote it. */
  implicitrm: string;
  createdAt: string;
  reason: CheckpointInfo["reason"];
  improved?: boolean;
  step: number;
  epoch: number;
  batch: number;
  finished: boolean;
  /** SHA-256 of the canonical config that determines the run (see `configHash`). */
  configHash: string;
  /** The run's full config (what `--resume` continues with). */
  config: Record<string, unknown>;
  /** The backend the state was computed on (bit-identical resumption needs the same one). */
  backend: string;
  /** Rows and dimension of the training split, checked on resume; see {@link CheckpointData}. */
  data: CheckpointData;
}

/**
 * What a checkpoint says about its training data: rows and dimension of the training split and
 * (since issue 15) the data fingerprint of record.ts (`dataFingerprint`: the data's content hash and
 * the settings that change its labels), which `--resume` compares.
 */
export interface CheckpointData {
  trainRows: number;
  dim: number;
  /** `sha256:<hex>` over the content hash and `settings`. */
  fingerprint?: string;
  /** The content part alone (`sha256:<hex>`) and what it hashes (file bytes, store checksums, ...). */
  content?: string;
  of?: string;
  /** The label settings that entered the fingerprint. */
  settings?: Record<string, unknown>;
}

/** Config keys that do not change what a run computes (where it writes, how it reports). */
const NOT_HASHED: ReadonlySet<string> = new Set(["out", "backend"]);

/**
 * Which of `keys` (once each, in order) have different values in `saved` (a checkpoint's config)
 * and `now` and change the config hash (see {@link configHash}): for messages that say what changed.
 */
export function changedConfigKeys(saved: Record<string, unknown>, now: Record<string, unknown>, keys: Iterable<string>): string[] {
  return [...new Set(keys)].filter((k) => !NOT_HASHED.has(k) && canonicalJson(saved[k]) !== canonicalJson(now[k]));
}

/** SHA-256 (hex) of the config keys that determine a run's result: everything but where it writes and the backend. */
export function configHash(config: Record<string, unknown>): string {
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (!NOT_HASHED.has(k)) kept[k] = v;
  return createHash("sha256").update(canonicalJson(kept)).digest("hex");
}

/** Encodes a checkpoint file: header + state (its Float32Arrays go to the blob). */
export function encodeCheckpoint(header: CheckpointHeader, state: TrainState): Uint8Array {
  const arrays: Float32Array[] = [];
  let offset = 0;
  const refs = (v: unknown): unknown => {
    if (v instanceof Float32Array) {
      arrays.push(v);
      const ref = { $f32: [offset, v.length] };
      offset += v.length;
      return ref;
    }
    if (Array.isArray(v)) return v.map(refs);
    if (typeof v === "number" && !Number.isFinite(v)) return { $num: String(v) }; // Infinity, NaN (JSON has neither)
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = refs(x);
      return out;
    }
    return v;
  };
  const json = Buffer.from(JSON.stringify({ ...header, state: refs(state) }), "utf8");
  const start = Math.ceil((12 + json.length) / 8) * 8;
  const total = start + offset * 4 + 32;
  const buf = Buffer.alloc(total);
  buf.write(MAGIC, 0, "latin1");
  buf.writeUInt32LE(json.length, 8);
  json.copy(buf, 12);
  let at = start;
  for (const a of arrays) {
    buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  createHash("sha256").update(buf.subarray(0, total - 32)).digest().copy(buf, total - 32);
  return buf;
}

/**
 * Decodes and checks a checkpoint file's bytes (see the module comment): a DataError naming `file`
 * for a file that is not a checkpoint, was changed or truncated, comes from another format or
 * trainer version, or holds a state whose fields or shapes are wrong.
 */
export function decodeCheckpoint(bytes: Uint8Array, file: string): { header: CheckpointHeader; state: TrainState } {
  const bad = (why: string, field?: string): never => {
    throw new DataError(why, { file, ...(field ? { field } : {}) });
  };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 + 32 || buf.toString("latin1", 0, 8) !== MAGIC) bad("not an ImplicitRM training checkpoint (wrong magic bytes)");
  const sum = createHash("sha256").update(buf.subarray(0, buf.length - 32)).digest();
  if (!sum.equals(buf.subarray(buf.length - 32))) {
    bad("checksum mismatch: the checkpoint was changed or cut short after it was written; it is not used (an earlier checkpoint may be)");
  }
  const len = buf.readUInt32LE(8);
  if (len > MAX_HEADER || 12 + len > buf.length - 32) bad(`header length ${len} runs past the end of the file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString("utf8", 12, 12 + len));
  } catch (e) {
    bad(`the header is not valid JSON (${(e as Error).message})`);
  }
  const h = parsed as Record<string, unknown>;
  if (typeof h !== "object" || h === null || h.format !== CHECKPOINT_FORMAT) bad(`not an ImplicitRM training checkpoint (format ${JSON.stringify(h?.format)})`, "format");
  if (h.version !== CHECKPOINT_VERSION) {
    bad(`checkpoint format version ${JSON.stringify(h.version)} is not supported (this trainer reads version ${CHECKPOINT_VERSION}); start a new run`, "version");
  }
  if (h.implicitrm !== TRAINER_VERSION) {
    bad(
      `written by @implicitrm/trainer ${JSON.stringify(h.implicitrm)}, this is ${TRAINER_VERSION}: resuming across versions is refused (the training code may differ, so the run would not continue exactly); use version ${String(h.implicitrm)} or start a new run`,
      "implicitrm",
    );
  }
  for (const k of ["step", "epoch", "batch"] as const) if (!isCount(h[k])) bad(`${k} must be a non-negative integer`, k);
  if (typeof h.configHash !== "string" || !/^[0-9a-f]{64}$/.test(h.configHash)) bad("configHash must be a SHA-256 hex string", "configHash");
  if (!isPlainObject(h.config)) bad("config must be an object", "config");
  if (configHash(h.config as Record<string, unknown>) !== h.configHash) bad("the config does not match its hash", "configHash");
  if (typeof h.backend !== "string") bad("backend must be a string", "backend");
  const data = (isPlainObject(h.data) ? h.data : {}) as Record<string, unknown>;
  if (!isCount(data.trainRows) || !isCount(data.dim)) bad("data must give trainRows and dim", "data");
  for (const k of ["fingerprint", "content"] as const) {
    if (data[k] !== undefined && !(typeof data[k] === "string" && /^sha256:[0-9a-f]{64}$/.test(data[k]))) bad(`data.${k} must be "sha256:<64 hex digits>"`, `data.${k}`);
  }
  if (data.of !== undefined && typeof data.of !== "string") bad("data.of must be a string", "data.of");
  if (data.settings !== undefined && !isPlainObject(data.settings)) bad("data.settings must be an object", "data.settings");
  const blobStart = Math.ceil((12 + len) / 8) * 8;
  const blobFloats = (buf.length - 32 - blobStart) / 4;
  if (!Number.isInteger(blobFloats) || blobFloats < 0) bad("the data section is not a whole number of float32 values");
  const blob = new Float32Array(blobFloats);
  new Uint8Array(blob.buffer).set(buf.subarray(blobStart, blobStart + blobFloats * 4));
  const deref = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => deref(x, `${path}[${i}]`));
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if ("$f32" in o) {
        const ref = o.$f32;
        if (!Array.isArray(ref) || ref.length !== 2 || !isCount(ref[0]) || !isCount(ref[1]) || (ref[0] as number) + (ref[1] as number) > blobFloats) {
          bad(`array reference ${JSON.stringify(ref)} is outside the data section`, path);
        }
        const [at, n] = ref as [number, number];
        return blob.slice(at, at + n);
      }
      if ("$num" in o) {
        if (o.$num !== "Infinity" && o.$num !== "-Infinity" && o.$num !== "NaN") bad(`${JSON.stringify(o.$num)} is not a number`, path);
        return Number(o.$num);
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) {
        if (k === "__proto__" || k === "constructor" || k === "prototype") bad(`key "${k}" is not allowed`, path);
        out[k] = deref(x, `${path}.${k}`);
      }
      return out;
    }
    return v;
  };
  const state = deref(h.state, "state") as TrainState;
  checkState(state, bad);
  if (state.steps !== h.step || state.epoch !== h.epoch || state.batch !== h.batch) bad("the header's step, epoch and batch disagree with the state", "state");
  checkAgainstHeader(state, h.config as Record<string, unknown>, data as unknown as CheckpointData, bad);
  const { state: _state, ...rest } = h;
  return { header: rest as unknown as CheckpointHeader, state };
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Float32Array);
}

/** Checks a decoded state's fields, dtypes and shapes (weights against the architecture they declare, Adam moments against the weights). */
function checkState(s: TrainState, bad: (why: string, field?: string) => never): void {
  if (!isPlainObject(s)) bad("the state is missing", "state");
  if (s.format !== TRAIN_STATE_FORMAT || s.version !== TRAIN_STATE_VERSION) {
    bad(`training state ${JSON.stringify(s.format)} version ${JSON.stringify(s.version)} is not supported (expected ${TRAIN_STATE_FORMAT} ${TRAIN_STATE_VERSION})`, "state.version");
  }
  if (typeof s.objective !== "string") bad("the objective must be a string", "state.objective");
  for (const k of ["epoch", "batch", "steps", "sinceBest", "pairFallbacks", "pairsDrawn"] as const) if (!isCount(s[k])) bad(`${k} must be a non-negative integer`, `state.${k}`);
  if (s.epoch < 1) bad("epoch must be at least 1", "state.epoch");
  for (const k of ["finished", "stoppedEarly"] as const) if (typeof s[k] !== "boolean") bad(`${k} must be true or false`, `state.${k}`);
  if (typeof s.seconds !== "number" || !(s.seconds >= 0)) bad("seconds must be a number ≥ 0", "state.seconds");
  if (!Array.isArray(s.rng) || !s.rng.every((x) => typeof x === "number")) bad("rng must be a list of numbers", "state.rng");
  if (!isPlainObject(s.epochSums) || !Object.values(s.epochSums).every((x) => typeof x === "number")) bad("epochSums must map names to numbers", "state.epochSums");
  if (!Array.isArray(s.history)) bad("history must be a list", "state.history");
  s.history.forEach((r, i) => {
    if (!isPlainObject(r) || !isCount(r.epoch) || !isCount(r.steps) || typeof r.selectionLoss !== "number" || typeof r.improved !== "boolean" || !isPlainObject(r.train)) {
      bad("an epoch record is malformed", `state.history[${i}]`);
    }
  });
  const m = s.model;
  if (!isPlainObject(m) || !isCount(m.inputDim) || m.inputDim < 1 || !Array.isArray(m.hidden) || !m.hidden.every((x) => isCount(x) && x > 0)) {
    bad("the model must give inputDim and hidden widths", "state.model");
  }
  if (typeof m.objective !== "string") bad("the model's objective must be a string", "state.model.objective");
  if (m.contextDim !== undefined && !(isCount(m.contextDim) && m.contextDim > 0)) bad("contextDim must be a positive integer", "state.model.contextDim");
  if (m.inputs !== undefined) {
    if (!isPlainObject(m.inputs)) bad("inputs must be an object", "state.model.inputs");
    for (const [h, v] of Object.entries(m.inputs)) {
      if (v !== "context" && v !== "both") bad(`head ${h} input must be "context" or "both"`, "state.model.inputs");
      if (m.contextDim === undefined) bad(`head ${h} reads the activity features but the model has no contextDim`, "state.model.contextDim");
    }
  }
  const heads = Object.keys(m.heads ?? {}) as HeadName[];
  if (!heads.includes("reward")) bad("the model has no reward head", "state.model.heads");
  const inputDimOf = (h: HeadName) => {
    const input = m.inputs?.[h];
    return input === undefined ? m.inputDim : input === "context" ? m.contextDim! : m.inputDim + m.contextDim!;
  };
  const checkWeights = (weights: Partial<Record<HeadName, HeadWeights>>, where: string) => {
    if (!isPlainObject(weights)) bad("weights must be an object", where);
    if (Object.keys(weights).sort().join() !== [...heads].sort().join()) bad(`weights for heads ${Object.keys(weights).join(", ")}, the model has ${heads.join(", ")}`, where);
    for (const h of heads) {
      const w = weights[h]!;
      const at = `${where}.${h}`;
      if (!isPlainObject(w) || !isCount(w.inputDim) || !Array.isArray(w.hidden) || !w.hidden.every((x) => isCount(x) && x > 0) || !Array.isArray(w.layers)) {
        bad("head weights must give inputDim, hidden and layers", at);
      }
      if (w.kind !== undefined && w.kind !== "constant") bad(`unknown head kind ${JSON.stringify(w.kind)}`, `${at}.kind`);
      if (w.inputDim !== inputDimOf(h)) bad(`inputDim ${w.inputDim}, expected ${inputDimOf(h)}`, `${at}.inputDim`);
      const sizes = [w.inputDim, ...w.hidden, 1];
      if (w.layers.length !== sizes.length - 1) bad(`${w.layers.length} layers, expected ${sizes.length - 1}`, `${at}.layers`);
      w.layers.forEach((l, i) => {
        if (!(l?.kernel instanceof Float32Array) || !(l.bias instanceof Float32Array)) bad("kernels and biases must be float32 arrays", `${at}.layers[${i}]`);
        if (l.kernel.length !== sizes[i]! * sizes[i + 1]! || l.bias.length !== sizes[i + 1]!) {
          bad(`layer ${i} holds ${l.kernel.length}+${l.bias.length} values, expected ${sizes[i]! * sizes[i + 1]!}+${sizes[i + 1]}`, `${at}.layers[${i}]`);
        }
      });
    }
  };
  checkWeights(m.heads, "state.model.heads");
  if (!isPlainObject(s.best) || typeof s.best.loss !== "number" || !isCount(s.best.epoch)) bad("best must give loss, epoch and weights", "state.best");
  checkWeights(s.best.weights, "state.best.weights");
  if (!isPlainObject(s.optimizers)) bad("optimizers must be an object", "state.optimizers");
  for (const h of heads) {
    const o = s.optimizers[h] as AdamState | undefined;
    const at = `state.optimizers.${h}`;
    if (!isPlainObject(o) || !isCount(o.iterations) || typeof o.accBeta1 !== "number" || typeof o.accBeta2 !== "number" || !Array.isArray(o.m) || !Array.isArray(o.v)) {
      bad("Adam state must give iterations, accBeta1, accBeta2, m and v", at);
    }
    // One moment per trainable variable, m and v alike; however the head lays its parameters out in
    // variables, the moments hold one value per parameter (core checks each against its variable).
    const w = m.heads[h]!;
    const params = w.kind === "constant" ? 1 : w.layers.reduce((sum, l) => sum + l.kernel.length + l.bias.length, 0);
    if (o.m.length !== o.v.length) bad(`${o.m.length} m arrays but ${o.v.length} v arrays`, at);
    let total = 0;
    o.m.forEach((a, i) => {
      const b = o.v[i];
      if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || a.length !== b.length) bad(`m[${i}] and v[${i}] must be float32 arrays of one length`, `${at}.m[${i}]`);
      total += a.length;
    });
    if (o.m.length > 0 && total !== params) bad(`the moments hold ${total} values for ${params} parameters`, at);
    if (o.m.length === 0 && o.iterations !== 0) bad(`${o.iterations} steps but no moments`, at);
  }
}

/**
 * Checks the state's fields against each other and against the header (issue 15, class 6): every
 * field that the per-field checks of {@link checkState} accept on its own must also agree with the
 * rest, so a checksum-valid but inconsistent checkpoint (`model.hidden = [1e9, 1e9]` beside heads
 * of other widths) is refused rather than trained on.
 */
function checkAgainstHeader(s: TrainState, config: Record<string, unknown>, data: CheckpointData, bad: (why: string, field?: string) => never): void {
  const m = s.model;
  const widths = (w: readonly number[]) => JSON.stringify(w);
  if (m.objective !== s.objective) bad(`the model's objective ${JSON.stringify(m.objective)} is not the state's ${JSON.stringify(s.objective)}`, "state.model.objective");
  if (typeof config.objective === "string" && config.objective !== s.objective) bad(`the state trains ${JSON.stringify(s.objective)}, the config says ${JSON.stringify(config.objective)}`, "state.objective");
  // the reward head always takes the model's widths (objectives give only other heads their own)
  const reward = m.heads.reward!;
  if (widths(reward.hidden) !== widths(m.hidden)) bad(`model.hidden ${widths(m.hidden)} disagrees with the reward head's widths ${widths(reward.hidden)}`, "state.model.hidden");
  if (Array.isArray(config.hidden) && widths(config.hidden as number[]) !== widths(m.hidden)) {
    bad(`model.hidden ${widths(m.hidden)} disagrees with the config's hidden ${widths(config.hidden as number[])}`, "state.model.hidden");
  }
  if (m.inputDim !== data.dim) bad(`model.inputDim ${m.inputDim} is not the training data's dimension ${data.dim}`, "state.model.inputDim");
  if (m.contextDim !== undefined && (m.inputs === undefined || Object.keys(m.inputs).length === 0)) bad("contextDim is given but no head reads the activity features", "state.model.contextDim");
  for (const h of Object.keys(m.inputs ?? {})) if (!(h in m.heads)) bad(`inputs names head ${h}, which the model does not have`, "state.model.inputs");
  for (const h of Object.keys(m.heads) as HeadName[]) {
    const w = m.heads[h]!;
    const b = s.best.weights[h]!;
    if (widths(b.hidden) !== widths(w.hidden) || b.inputDim !== w.inputDim || (b.kind ?? "mlp") !== (w.kind ?? "mlp")) bad(`the best weights of head ${h} have another architecture than its current ones`, `state.best.weights.${h}`);
    const o = s.optimizers[h]!;
    const variables = w.kind === "constant" ? 1 : w.layers.length * 2;
    if (o.m.length !== 0 && o.m.length !== variables) bad(`${o.m.length} moment arrays for the ${variables} variables of head ${h}`, `state.optimizers.${h}.m`);
    if (o.iterations > s.steps) bad(`${o.iterations} optimizer steps in a state of ${s.steps} training steps`, `state.optimizers.${h}.iterations`);
  }
  if (s.best.epoch > s.epoch) bad(`best.epoch ${s.best.epoch} is after the state's epoch ${s.epoch}`, "state.best.epoch");
  if (s.sinceBest > s.epoch) bad(`sinceBest ${s.sinceBest} exceeds the epoch ${s.epoch}`, "state.sinceBest");
  if (s.batch > s.steps) bad(`batch ${s.batch} of the epoch exceeds the ${s.steps} steps taken`, "state.batch");
  if (s.history.length > s.epoch) bad(`${s.history.length} epoch records in epoch ${s.epoch}`, "state.history");
  let prev = 0;
  s.history.forEach((r, i) => {
    if (r.epoch <= prev || r.epoch > s.epoch || r.steps > s.steps) bad(`epoch record ${r.epoch} (${r.steps} steps) is out of order or after the state (epoch ${s.epoch}, ${s.steps} steps)`, `state.history[${i}]`);
    prev = r.epoch;
  });
}

/** The file name of a checkpoint: name order is training order. */
export function checkpointFileName(state: Pick<TrainState, "steps" | "epoch" | "batch">): string {
  return `ckpt-s${String(state.steps).padStart(10, "0")}-e${String(state.epoch).padStart(6, "0")}-b${String(state.batch).padStart(8, "0")}.irmckpt`;
}

const NAME = /^ckpt-s\d{10}-e\d{6}-b\d{8}\.irmckpt$/;

/** Checkpoint files of a run directory, oldest first. */
export function listCheckpoints(runDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(runDir, CHECKPOINT_DIR));
  } catch {
    return [];
  }
  return names.filter((n) => NAME.test(n)).sort().map((n) => join(runDir, CHECKPOINT_DIR, n));
}

/** Reads and checks one checkpoint file; see {@link decodeCheckpoint}. */
export function readCheckpointFile(file: string): { header: CheckpointHeader; state: TrainState } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DataError(`cannot read the checkpoint (${(e as Error).message})`, { file }, { cause: e });
  }
  return decodeCheckpoint(bytes, file);
}

/**
 * The newest usable checkpoint of a run directory: files that fail their checks (a torn or changed
 * file) are passed over, newest first, and reported in `rejected`.
 */
export function latestCheckpoint(runDir: string): { file: string; header: CheckpointHeader; state: TrainState; rejected: DataError[] } | undefined {
  const rejected: DataError[] = [];
  for (const file of listCheckpoints(runDir).reverse()) {
    try {
      return { file, ...readCheckpointFile(file), rejected };
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      rejected.push(e);
    }
  }
  if (rejected.length) throw rejected[0]!;
  return undefined;
}

/** Options of {@link CheckpointWriter}. */
export interface CheckpointWriterOptions {
  /** Checkpoints kept besides the best one (default 3). */
  keep: number;
  config: Record<string, unknown>;
  backend: string;
  data: CheckpointData;
  /** Called when a checkpoint is written (its path and why), e.g. for a log line. */
  onWrite?: (file: string, info: CheckpointInfo) => void;
}

/**
 * Writes a run's checkpoints into `<runDir>/checkpoints/` (each file atomically and durably:
 * temporary name, fsync, rename, fsync of the folder) and only then prunes them to the last `keep`
 * plus the best. A symlinked run directory, checkpoint folder or checkpoint file is refused before
 * anything is written or deleted (FileError), so pruning never reaches outside the run. Plug
 * `write` into `TrainHooks.onCheckpoint`.
 */
export class CheckpointWriter {
  private best: string | undefined;
  private readonly hash: string;
  last: string | undefined;

  constructor(
    readonly runDir: string,
    private readonly opts: CheckpointWriterOptions,
  ) {
    if (!Number.isInteger(opts.keep) || opts.keep < 1) throw new DataError(`keep must be a positive integer, got ${opts.keep}`);
    this.hash = configHash(opts.config);
    // after a resume: the best checkpoint so far is the newest one an improving evaluation wrote
    for (const file of listCheckpoints(runDir).reverse()) {
      try {
        const { header } = readCheckpointFile(file);
        if (header.reason === "evaluation" && header.improved) {
          this.best = file;
          break;
        }
      } catch {
        // unusable files are pruned below
      }
    }
  }

  /** Writes one checkpoint and returns its path. */
  async write(state: TrainState, info: CheckpointInfo): Promise<string> {
    const header: CheckpointHeader = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      implicitrm: TRAINER_VERSION,
      createdAt: new Date().toISOString(),
      reason: info.reason,
      ...(info.improved !== undefined ? { improved: info.improved } : {}),
      step: state.steps,
      epoch: state.epoch,
      batch: state.batch,
      finished: state.finished,
      configHash: this.hash,
      config: this.opts.config,
      backend: this.opts.backend,
      data: this.opts.data,
    };
    const file = join(this.runDir, CHECKPOINT_DIR, checkpointFileName(state));
    checkRunDirNoSymlinks(this.runDir);
    await writeFileAtomic(file, encodeCheckpoint(header, state), "writing a checkpoint");
    if (info.reason === "evaluation" && info.improved) this.best = file;
    this.last = file;
    this.prune();
    this.opts.onWrite?.(file, info);
    return file;
  }

  /** The best checkpoint written (or found) so far. */
  get bestFile(): string | undefined {
    return this.best;
  }

  /** Removes checkpoints beyond the last `keep` and the best (the new one is already durable); then fsyncs the folder. */
  private prune(): void {
    checkRunDirNoSymlinks(this.runDir);
    const files = listCheckpoints(this.runDir);
    const keep = new Set(files.slice(-this.opts.keep));
    if (this.best) keep.add(this.best);
    let removed = false;
    for (const f of files) {
      if (keep.has(f)) continue;
      try {
        rmSync(f, { force: true });
      } catch (e) {
        throw fileError(e, f, "pruning old checkpoints");
      }
      removed = true;
    }
    if (removed) fsyncDirSync(join(this.runDir, CHECKPOINT_DIR));
  }
}
