/**
 * record.json, what a model directory says about itself (core's ModelRecord): the exact encoder
 * (a feature store's own, never a default), the reward normalisation over the validation split,
 * the objective and its resolved options, a fingerprint of the training data, the package versions
 * and the git commit that made it, and the test metrics.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  MODEL_RECORD_FORMAT,
  MODEL_RECORD_VERSION,
  type Metrics,
  type ModelRecord,
  type RewardModel,
  type SplitRowSources,
  getObjective,
  predictRows,
  resolveObjectiveOptions,
  rewardNormalization,
} from "@implicitrm/core";
import { FileError } from "@implicitrm/core/errors";
import { FEATURE_STORE_HEADER, isFeatureStore } from "@implicitrm/datasets";
import { canonicalJson, encoderRecordOf, precomputedEncoderRecord } from "@implicitrm/encoders";
import { type TrainerConfig, pickTrainOptions } from "./config.js";

/** The settings that change which rows and labels a data spec gives (they enter the data fingerprint). */
export const LABEL_SETTINGS = [
  "seed",
  "alpha",
  "observationRate",
  "presentationShare",
  "presentationMix",
  "threshold",
  "ratingField",
  "direction",
  "promptField",
  "responseField",
  "onBadRow",
] as const;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

async function hashFile(file: string): Promise<string> {
  const h = createHash("sha256");
  try {
    for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  } catch (e) {
    throw new FileError(`cannot read ${file} to fingerprint the training data: ${(e as Error).message}`, file, (e as NodeJS.ErrnoException).code, { cause: e });
  }
  return h.digest("hex");
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** Every `sha256` value in a store header (blocks, columns, ids), in document order. */
function checksums(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) checksums(x, out);
  else if (v && typeof v === "object") {
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (k === "sha256" && typeof x === "string") out.push(x);
      else checksums(x, out);
    }
  }
  return out;
}

/**
 * The content part of the data fingerprint: a feature store's checksums (and its n and dim), a
 * file's bytes, a folder's files (relative names and bytes), or for `synthetic` and `hf:` specs the
 * spec itself. `of` says which.
 */
export async function dataContentHash(spec: string): Promise<{ hash: string; of: "settings" | "spec" | "file bytes" | "folder files" | "store checksums" }> {
  if (spec === "synthetic") return { hash: sha256(spec), of: "settings" };
  if (spec.startsWith("hf:")) return { hash: sha256(spec), of: "spec" };
  if (isFeatureStore(spec)) {
    const file = join(spec, FEATURE_STORE_HEADER);
    const h = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    return { hash: sha256(canonicalJson({ n: h.n, dim: h.dim, checksums: checksums({ blocks: h.blocks, columns: h.columns, ids: h.ids }) })), of: "store checksums" };
  }
  const st = await stat(spec).catch((e: NodeJS.ErrnoException) => {
    throw new FileError(`cannot read ${spec} to fingerprint the training data: ${e.message}`, spec, e.code, { cause: e });
  });
  if (!st.isDirectory()) return { hash: await hashFile(spec), of: "file bytes" };
  const parts: string[] = [];
  for (const f of await listFiles(spec)) parts.push(`${relative(spec, f)}\0${await hashFile(f)}`);
  return { hash: sha256(parts.join("\n")), of: "folder files" };
}

/**
 * The fingerprint of a run's training data: sha256 over the data's content hash
 * ({@link dataContentHash}) and the settings that change its labels ({@link LABEL_SETTINGS}).
 */
export async function dataFingerprint(config: TrainerConfig): Promise<{ fingerprint: string; of: string; content: string; settings: Record<string, unknown> }> {
  const content = await dataContentHash(config.data);
  const settings: Record<string, unknown> = {};
  for (const k of LABEL_SETTINGS) settings[k] = config[k];
  return { fingerprint: `sha256:${sha256(canonicalJson({ content: content.hash, settings }))}`, of: content.of, content: `sha256:${content.hash}`, settings };
}

const require = createRequire(import.meta.url);

/** Versions of the toolkit's packages (read from their package.json), tfjs-core and Node. */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  const read = (file: string) => JSON.parse(require("node:fs").readFileSync(file, "utf8")) as { name: string; version: string };
  for (const name of ["@implicitrm/core", "@implicitrm/backends", "@implicitrm/datasets", "@implicitrm/encoders", "@tensorflow/tfjs-core"]) {
    try {
      const p = read(require.resolve(`${name}/package.json`));
      out[p.name] = p.version;
    } catch {
      // not resolvable from here (an unusual install): left out rather than guessed
    }
  }
  const own = read(fileURLToPath(new URL("../package.json", import.meta.url)));
  out[own.name] = own.version;
  out.node = process.version;
  return out;
}

/**
 * The git commit of the toolkit's checkout (the directory this file is in) and whether tracked
 * files differ from it; undefined when that is not a git working tree (an npm install) or git is
 * not there. Never throws.
 */
export function gitInfo(dir = fileURLToPath(new URL(".", import.meta.url))): { commit: string; dirty: boolean } | undefined {
  if (dir.split(/[\\/]/).includes("node_modules")) return undefined;
  const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  try {
    const commit = git("rev-parse", "HEAD");
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
    return { commit, dirty: git("status", "--porcelain", "--untracked-files=no").length > 0 };
  } catch {
    return undefined;
  }
}

/** What {@link buildModelRecord} needs from a finished run. */
export interface RecordInputs {
  model: RewardModel;
  config: TrainerConfig;
  dataset: SplitRowSources;
  /** Test metrics, null when the data have no clean test split. */
  metrics: Metrics | null;
  /** Versions to add (e.g. the command line's own package). */
  versions?: Record<string, string>;
}

/**
 * Builds record.json for a trained model: the encoder from `dataset.encoder` (the text encoder the
 * run built, or a feature store's own; features that came with the data give a `precomputed`
 * record), the normalisation of the reward logits over the validation split, the objective and its
 * resolved options (and the training options), the data fingerprint, versions, git and metrics.
 */
export async function buildModelRecord(r: RecordInputs): Promise<ModelRecord> {
  const { model, config, dataset } = r;
  const e = dataset.encoder;
  const encoder = e ? (encoderRecordOf(e) ?? encoderRecordOf(e, e.id)!) : precomputedEncoderRecord(model.inputDim, config.data);
  const logits = predictRows(model, dataset.validation, "reward", { logits: true, name: "validation" });
  const fp = await dataFingerprint(config);
  const git = gitInfo();
  return {
    format: MODEL_RECORD_FORMAT,
    version: MODEL_RECORD_VERSION,
    inputDim: model.inputDim,
    encoder,
    normalization: rewardNormalization(logits, "validation"),
    objective: { name: config.objective, options: resolveObjectiveOptions(getObjective(config.objective), config.objectiveOptions) as Record<string, unknown> },
    training: pickTrainOptions(config),
    data: {
      spec: config.data,
      fingerprint: fp.fingerprint,
      fingerprintOf: fp.of,
      content: fp.content,
      settings: fp.settings,
      rows: { train: dataset.train.n, validation: dataset.validation.n, test: dataset.test.n },
    },
    versions: { ...packageVersions(), ...(r.versions ?? {}) },
    ...(git ? { git } : {}),
    ...(r.metrics ? { metrics: { ...r.metrics } } : {}),
    createdAt: new Date().toISOString(),
  };
}
