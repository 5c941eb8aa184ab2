/**
 * Loading a model directory in Node: record.json, model.json, the encoder the record describes
 * (rebuilt and checked), and a tfjs backend when none is active yet.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { activeBackend, initBackend } from "@implicitrm/backends";
import { deserializeModel, parseModelRecord } from "@implicitrm/core";
import { DataError, FileError } from "@implicitrm/core/errors";
import { type CreateEncoderOptions, type Encoder, checkEncoderMatches, createEncoderFromRecord } from "@implicitrm/encoders";
import { type RewardScorer, makeScorer } from "./scorer.js";

/** Options of {@link loadRewardModel}; every field has a default. */
export interface LoadRewardModelOptions {
  /** An encoder to use instead of rebuilding the recorded one (checked against the record all the same). Default none. */
  encoder?: Encoder;
  /** Options for rebuilding the recorded encoder (e.g. `transformer.localModelPath`). Default none. */
  encoderOptions?: CreateEncoderOptions;
  /** tfjs backend to start (`initBackend`'s names). Default: keep the active one, or 'auto' when none is. */
  backend?: string;
  /** Receives backend notices. Default: none. */
  log?: (line: string) => void;
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && what === "record") {
      throw new DataError(
        "missing: the model directory has no record.json (it was written before models described themselves); train it again with `implicitrm train --out <dir>`",
        { file },
      );
    }
    throw new FileError(`cannot read the ${what} file ${file}: ${(e as Error).message}`, file, code, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError(`not valid JSON (${(e as Error).message})`, { file });
  }
}

/**
 * Loads the model directory `dir` (written by `implicitrm train --out dir`): its record.json and
 * model.json, and the encoder the record describes, rebuilt with the recorded options and checked
 * against the record (or `options.encoder`, checked the same way). Starts a tfjs backend when none
 * is active. Rejects with a DataError naming the file for a missing or damaged file, and with a
 * ConfigError saying which field differs when the encoder does not match the record.
 */
export async function loadRewardModel(dir: string, options: LoadRewardModelOptions = {}): Promise<RewardScorer> {
  const recordFile = join(dir, "record.json");
  const record = parseModelRecord(await readJson(recordFile, "record"), recordFile);
  const modelFile = join(dir, "model.json");
  const json = await readJson(modelFile, "model");
  if (options.backend !== undefined || activeBackend() === undefined) await initBackend(options.backend ?? "auto", { log: options.log ?? (() => {}) });
  const model = deserializeModel(json, modelFile);
  let encoder: Encoder;
  if (options.encoder) {
    checkEncoderMatches(options.encoder, record.encoder);
    encoder = options.encoder;
  } else {
    try {
      encoder = await createEncoderFromRecord(record.encoder, options.encoderOptions);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  try {
    return makeScorer({ model, record, encoder }, options.encoder === undefined);
  } catch (e) {
    model.dispose();
    if (!options.encoder) await encoder.dispose?.();
    throw e;
  }
}
