/**
 * The model directory a training run writes: model.json (architecture and weights, float32
 * little-endian in base64), config.json (the full resolved config) and metrics.json (test metrics
 * and the training history), beside the run's training checkpoints (checkpoints.ts). Written
 * atomically; loading checks the format and shapes and executes nothing.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DataError, type HeadName, type HeadWeights, RewardModel, type RewardModelState } from "@implicitrm/core";
import { writeDirAtomic } from "@implicitrm/core/node";
import { CHECKPOINT_DIR } from "./checkpoints.js";

export const MODEL_FORMAT = "implicitrm-model";
export const MODEL_FORMAT_VERSION = 1;

function encode(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

function decode(s: unknown, expected: number, where: string): Float32Array {
  if (typeof s !== "string") throw new DataError(`${where} must be a base64 string`);
  const buf = Buffer.from(s, "base64");
  if (buf.byteLength !== expected * 4) throw new DataError(`${where} holds ${buf.byteLength / 4} floats, expected ${expected}`);
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/**
 * The JSON form of a model. A head whose shape differs from the model's (an activity head that
 * reads the activity features, or a linear one) also records its own `inputDim`, `hidden` and
 * `input`; the model then records `contextDim`, the activity feature dimension.
 */
export function serializeModel(model: RewardModel): object {
  const state = model.getState();
  const heads: Record<string, unknown> = {};
  for (const [name, w] of Object.entries(state.heads)) {
    const input = state.inputs?.[name as HeadName];
    const own = input !== undefined || w!.inputDim !== state.inputDim || w!.hidden.join() !== state.hidden.join();
    heads[name] = {
      ...(w!.kind === "constant" ? { kind: "constant" } : {}),
      ...(own ? { inputDim: w!.inputDim, hidden: w!.hidden } : {}),
      ...(input ? { input } : {}),
      layers: w!.layers.map((l) => ({ kernel: encode(l.kernel), bias: encode(l.bias) })),
    };
  }
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    objective: state.objective,
    inputDim: state.inputDim,
    hidden: state.hidden,
    ...(state.contextDim ? { contextDim: state.contextDim } : {}),
    heads,
  };
}

/** Rebuilds a model from its JSON form, checking the format, version and every shape. */
export function deserializeModel(json: unknown, file: string): RewardModel {
  const j = json as Record<string, unknown>;
  if (j?.format !== MODEL_FORMAT) throw new DataError(`not an ImplicitRM model file (format is ${JSON.stringify(j?.format)})`, { file });
  if (j.version !== MODEL_FORMAT_VERSION) {
    throw new DataError(`model format version ${String(j.version)} is not supported (this version reads ${MODEL_FORMAT_VERSION})`, { file });
  }
  const inputDim = j.inputDim as number;
  const hidden = j.hidden as number[];
  if (!Number.isInteger(inputDim) || !Array.isArray(hidden) || !hidden.every(Number.isInteger)) {
    throw new DataError("inputDim and hidden must be integers", { file });
  }
  const contextDim = j.contextDim;
  if (contextDim !== undefined && !(Number.isInteger(contextDim) && (contextDim as number) > 0)) throw new DataError("contextDim must be a positive integer", { file });
  const heads: Partial<Record<HeadName, HeadWeights>> = {};
  const inputs: Partial<Record<HeadName, "context" | "both">> = {};
  type StoredHead = { layers: Array<{ kernel: unknown; bias: unknown }>; inputDim?: unknown; hidden?: unknown; input?: unknown; kind?: unknown };
  for (const [name, h] of Object.entries((j.heads ?? {}) as Record<string, StoredHead>)) {
    const input = h?.input;
    if (h?.kind !== undefined && h.kind !== "constant") throw new DataError(`head "${name}" has an unknown kind ${JSON.stringify(h.kind)}`, { file });
    if (input !== undefined && input !== "context" && input !== "both") throw new DataError(`head "${name}" input must be "context" or "both"`, { file });
    if (input !== undefined && contextDim === undefined) throw new DataError(`head "${name}" reads the activity features but the model has no contextDim`, { file });
    const headDim = h?.inputDim ?? inputDim;
    const headHidden = h?.hidden ?? hidden;
    if (!Number.isInteger(headDim) || !Array.isArray(headHidden) || !headHidden.every(Number.isInteger)) {
      throw new DataError(`head "${name}": inputDim and hidden must be integers`, { file });
    }
    const expected = input === undefined ? inputDim : input === "context" ? (contextDim as number) : inputDim + (contextDim as number);
    if (headDim !== expected) throw new DataError(`head "${name}" has inputDim ${headDim}, expected ${expected}`, { file });
    if (input) inputs[name as HeadName] = input;
    const sizes = [headDim as number, ...(headHidden as number[]), 1];
    if (!Array.isArray(h?.layers) || h.layers.length !== sizes.length - 1) throw new DataError(`head "${name}" must have ${sizes.length - 1} layers`, { file });
    heads[name as HeadName] = {
      ...(h.kind === "constant" ? { kind: "constant" as const } : {}),
      inputDim: headDim as number,
      hidden: headHidden as number[],
      layers: h.layers.map((l, i) => ({
        kernel: decode(l.kernel, sizes[i]! * sizes[i + 1]!, `head "${name}" layer ${i} kernel`),
        bias: decode(l.bias, sizes[i + 1]!, `head "${name}" layer ${i} bias`),
      })),
    };
  }
  if (!heads.reward) throw new DataError("the model has no reward head", { file });
  const state: RewardModelState = {
    objective: String(j.objective),
    inputDim,
    hidden,
    heads,
    ...(Object.keys(inputs).length ? { contextDim: contextDim as number, inputs } : {}),
  };
  return RewardModel.fromState(state);
}

/**
 * Writes model.json, config.json and metrics.json into the model directory `dir` atomically. The
 * training checkpoints in `dir/checkpoints/` are carried over into the new directory (hard links,
 * else copies).
 */
export async function writeModelDir(dir: string, model: RewardModel, config: object, metrics: object): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    const { copyFile, link, mkdir, readdir, writeFile } = await import("node:fs/promises");
    await writeFile(join(tmp, "model.json"), JSON.stringify(serializeModel(model)));
    await writeFile(join(tmp, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    await writeFile(join(tmp, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
    const names = await readdir(join(dir, CHECKPOINT_DIR)).catch(() => [] as string[]);
    if (names.length) await mkdir(join(tmp, CHECKPOINT_DIR));
    for (const name of names) {
      const from = join(dir, CHECKPOINT_DIR, name);
      const to = join(tmp, CHECKPOINT_DIR, name);
      await link(from, to).catch(() => copyFile(from, to));
    }
  }, "writing the model directory");
}

/** Loads the model of a model directory (its model.json), checking it as {@link deserializeModel} does. */
export async function loadModelDir(dir: string): Promise<RewardModel> {
  const file = join(dir, "model.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new DataError(`cannot read the checkpoint: ${(e as Error).message}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DataError(`the checkpoint is not valid JSON (${(e as Error).message})`, { file });
  }
  return deserializeModel(json, file);
}
