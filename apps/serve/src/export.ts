/**
 * `implicitrm export`'s library call: a model directory's reward head as a standalone ONNX file
 * (`model.onnx`: input `features` float32 [N, D]; outputs `logit`, `reward`, `score`, each [N])
 * and `manifest.json`, which says what the file expects (the encoder that makes its features, the
 * normalisation baked into `reward`, input and output names and shapes, opset, IR version) and
 * where it came from (the source model's fingerprint, versions). Node only.
 */
import { createHash } from "node:crypto";
import { readFile, readdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { activeBackend, initBackend } from "@implicitrm/backends";
import { ConfigError, DataError, type HeadWeights, type ModelRecord, deserializeModel, parseModelRecord } from "@implicitrm/core";
import { fileError, writeDirAtomic } from "@implicitrm/core/node";
import { ONNX_IR_VERSION, REWARD_GRAPH_IO, REWARD_GRAPH_OPSET, REWARD_GRAPH_SLOPE, writeRewardGraph } from "@implicitrm/core/onnx";

/** The `format` tag of manifest.json. */
export const EXPORT_MANIFEST_FORMAT = "implicitrm-onnx-export";
/** The manifest.json version this code writes. */
export const EXPORT_MANIFEST_VERSION = 1;

const require = createRequire(import.meta.url);
const SERVE_VERSION = (require("../package.json") as { version: string }).version;
const CORE_VERSION = (require("@implicitrm/core/package.json") as { version: string }).version;

/** One graph input or output as the manifest describes it. */
export interface ExportTensorInfo {
  name: string;
  type: "float32";
  /** Dimensions; a string is a symbolic one ("N", the number of rows). */
  shape: Array<number | string>;
  /** What the values are. */
  description: string;
}

/** manifest.json, written beside model.onnx. */
export interface ExportManifest {
  format: typeof EXPORT_MANIFEST_FORMAT;
  version: number;
  /** The ONNX file, relative to the manifest. */
  model: string;
  /** `sha256:<hex>` of model.onnx. */
  sha256: string;
  /** ONNX IR version and default-domain opset of model.onnx. */
  irVersion: number;
  opset: number;
  inputs: ExportTensorInfo[];
  outputs: ExportTensorInfo[];
  /** The exported head: only the reward head scores; the other heads were training devices. */
  head: { name: "reward"; inputDim: number; hidden: number[]; activation: string; constant: boolean; notExported: string[]; note: string };
  /** The encoder that makes the features (record.json's `encoder`): apply it first, with its pair template. */
  encoder: ModelRecord["encoder"];
  /** The normalisation `reward` applies: reward = (logit − mean) / std. */
  normalization: ModelRecord["normalization"];
  /** Where the export came from. */
  source: {
    /** The model directory as given. */
    dir: string;
    /** `sha256:<hex>` over model.json then record.json, the bytes the export read. */
    fingerprint: string;
    files: { "model.json": string; "record.json": string };
    objective: ModelRecord["objective"];
    data: ModelRecord["data"];
    versions: ModelRecord["versions"];
    git?: ModelRecord["git"];
    createdAt: string;
  };
  /** Versions of what wrote the export. */
  versions: Record<string, string>;
  createdAt: string;
}

/** Options of {@link exportRewardModel}; every field has a default. */
export interface ExportRewardModelOptions {
  /** Replace an existing non-empty `outDir` (as a whole, once the new export is complete). Default false: refuse. */
  force?: boolean;
}

/** What {@link exportRewardModel} wrote. */
export interface ExportResult {
  dir: string;
  modelFile: string;
  manifestFile: string;
  manifest: ExportManifest;
  /** Bytes of model.onnx. */
  bytes: number;
}

const sha256 = (...parts: Uint8Array[]): string => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return `sha256:${h.digest("hex")}`;
};

async function readSource(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new DataError(
        what === "record.json"
          ? "missing: the model directory has no record.json (it was written before models described themselves); train it again with `implicitrm train --out <dir>`"
          : "missing: not a model directory (no model.json); give the directory `implicitrm train --out` wrote",
        { file },
      );
    }
    throw fileError(e, file, `reading ${what}`);
  }
}

function parseJson(bytes: Buffer, file: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new DataError(`not valid JSON (${(e as Error).message})`, { file });
  }
}

/** The entries of `dir`, or null when it does not exist. */
async function entriesOf(dir: string): Promise<string[] | null> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new ConfigError(`--out ${dir} is a file, not a directory; give a new or empty directory`);
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw fileError(e, dir, "reading the output directory");
  }
}

/**
 * Exports the reward head of the model directory `dir` (written by `implicitrm train --out dir`:
 * model.json and record.json) to `outDir/model.onnx` and `outDir/manifest.json`. The two files
 * are written into a temporary directory beside `outDir`, which then takes its place, so a crash
 * leaves either the old directory or the complete new one. `outDir` may be absent or empty; an
 * existing non-empty one is refused (a ConfigError listing what it holds) unless `force`, which
 * replaces it as a whole (never the model directory itself). Errors: a DataError naming the file
 * for a missing or damaged model.json / record.json, a FileError naming the path for what the file
 * system refuses (permission, read-only, no space). Starts tfjs's cpu backend when none is active
 * (model.json is read through core's RewardModel, which checks every shape).
 */
export async function exportRewardModel(dir: string, outDir: string, options: ExportRewardModelOptions = {}): Promise<ExportResult> {
  const modelFile = join(dir, "model.json");
  const recordFile = join(dir, "record.json");
  const modelBytes = await readSource(modelFile, "model.json");
  const recordBytes = await readSource(recordFile, "record.json");
  const record = parseModelRecord(parseJson(recordBytes, recordFile), recordFile);
  const json = parseJson(modelBytes, modelFile);

  if (resolve(outDir) === resolve(dir)) throw new ConfigError(`--out ${outDir} is the model directory itself; export into another directory`);
  const existing = await entriesOf(outDir);
  if (existing?.length) {
    if (existing.includes("model.json") || existing.includes("record.json")) {
      throw new ConfigError(`--out ${outDir} holds a model directory (model.json / record.json); it is never replaced, export into another directory`);
    }
    if (!options.force) {
      const shown = existing.slice(0, 5).join(", ") + (existing.length > 5 ? `, … (${existing.length} entries)` : "");
      throw new ConfigError(`--out ${outDir} is not empty (${shown}); give a new or empty directory, or --force to replace it as a whole`);
    }
  }

  if (activeBackend() === undefined) await initBackend("cpu", { log: () => {} });
  const model = deserializeModel(json, modelFile);
  let head: HeadWeights;
  let others: string[];
  try {
    if (model.inputDim !== record.inputDim) {
      throw new DataError(`model.json has inputDim ${model.inputDim} but record.json says ${record.inputDim}: the two files are from different runs`, { file: modelFile, field: "inputDim" });
    }
    if (model.inputOf("reward") !== "content") {
      throw new ConfigError(`the reward head reads the activity features ('${model.inputOf("reward")}'), which a scorer does not have; such a model cannot be exported for scoring`);
    }
    head = model.getState().heads.reward!;
    others = model.headNames.filter((h) => h !== "reward");
  } finally {
    model.dispose();
  }

  const onnx = writeRewardGraph(head, record.normalization, {
    producer: "@implicitrm/serve",
    producerVersion: SERVE_VERSION,
  });
  const describe = {
    logit: "f(features), the reward head's output",
    reward: `(logit − ${record.normalization.mean}) / ${record.normalization.std}, the normalised reward (mean 0, std 1 over the ${record.normalization.split} split)`,
    score: "sigmoid(logit), the probability that the response is preferred",
  } as const;
  const manifest: ExportManifest = {
    format: EXPORT_MANIFEST_FORMAT,
    version: EXPORT_MANIFEST_VERSION,
    model: "model.onnx",
    sha256: sha256(onnx),
    irVersion: ONNX_IR_VERSION,
    opset: REWARD_GRAPH_OPSET,
    inputs: [
      {
        name: REWARD_GRAPH_IO.input,
        type: "float32",
        shape: ["N", head.inputDim],
        description: `N rows of ${head.inputDim} features from the encoder ${record.encoder.id} (manifest.encoder), row-major`,
      },
    ],
    outputs: REWARD_GRAPH_IO.outputs.map((name) => ({ name, type: "float32" as const, shape: ["N"], description: describe[name] })),
    head: {
      name: "reward",
      inputDim: head.inputDim,
      hidden: [...head.hidden],
      activation: `leaky_relu(${REWARD_GRAPH_SLOPE})`,
      constant: head.kind === "constant",
      notExported: others,
      note: "Only the reward head is exported: the activity head models who gives feedback, a training device that scores nothing.",
    },
    encoder: record.encoder,
    normalization: record.normalization,
    source: {
      dir,
      fingerprint: sha256(modelBytes, recordBytes),
      files: { "model.json": sha256(modelBytes), "record.json": sha256(recordBytes) },
      objective: record.objective,
      data: record.data,
      versions: record.versions,
      ...(record.git ? { git: record.git } : {}),
      createdAt: record.createdAt,
    },
    versions: { "@implicitrm/serve": SERVE_VERSION, "@implicitrm/core": CORE_VERSION, node: process.version },
    createdAt: new Date().toISOString(),
  };
  await writeDirAtomic(
    outDir,
    async (tmp) => {
      const { writeFile } = await import("node:fs/promises");
      await writeFile(join(tmp, "model.onnx"), onnx);
      await writeFile(join(tmp, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    },
    "writing the export",
  );
  return { dir: outDir, modelFile: join(outDir, "model.onnx"), manifestFile: join(outDir, "manifest.json"), manifest, bytes: onnx.byteLength };
}
