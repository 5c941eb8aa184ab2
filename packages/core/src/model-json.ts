/**
 * The model's on-disk JSON (model.json): architecture and every head's weights, float32
 * little-endian in base64. No Node APIs (portable base64), so a browser reads the same file.
 * Loading checks the format and every shape and executes nothing.
 */
import { decodeBase64, encodeBase64 } from "./base64.js";
import { DataError } from "./errors.js";
import type { HeadWeights } from "./heads.js";
import { RewardModel, type RewardModelState } from "./model.js";
import type { HeadName } from "./objectives/types.js";

/** The `format` tag of model.json. */
export const MODEL_FORMAT = "implicitrm-model";
/** The model.json format version this code writes and reads. */
export const MODEL_FORMAT_VERSION = 1;

// Float32 values little-endian, as typed arrays hold them on every platform this runs on.
function encode(a: Float32Array): string {
  return encodeBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function decode(s: unknown, expected: number, where: string, file: string): Float32Array {
  if (typeof s !== "string") throw new DataError(`${where} must be a base64 string`, { file });
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(s, where);
  } catch (e) {
    throw new DataError((e as Error).message, { file });
  }
  if (bytes.byteLength !== expected * 4) throw new DataError(`${where} holds ${bytes.byteLength / 4} floats, expected ${expected}`, { file });
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(bytes);
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
export function deserializeModel(json: unknown, file = "model.json"): RewardModel {
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
        kernel: decode(l.kernel, sizes[i]! * sizes[i + 1]!, `head "${name}" layer ${i} kernel`, file),
        bias: decode(l.bias, sizes[i + 1]!, `head "${name}" layer ${i} bias`, file),
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
