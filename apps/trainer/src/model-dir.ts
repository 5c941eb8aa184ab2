/**
 * The model directory a training run writes: model.json (architecture and weights, core's
 * model-json.ts), record.json (what the directory is: record.ts), config.json (the full resolved config) and metrics.json (test metrics
 * and the training history), beside the run's training checkpoints (checkpoints.ts). Each file is
 * written atomically and durably on its own; the directory itself is never moved or replaced, so a
 * kill at any point leaves it (and its checkpoints) in place. Loading checks the format and shapes
 * and executes nothing.
 */
import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DataError, type ModelRecord, type RewardModel, deserializeModel, serializeModel } from "@implicitrm/core";
import { fileError, fsyncDirSync, writeFileAtomicSync } from "@implicitrm/core/node";
import { checkRunDirNoSymlinks } from "./run-dir.js";

// model.json's (de)serialisation lives in core (model-json.ts, browser-safe); re-exported here where it was.
export { deserializeModel, serializeModel } from "@implicitrm/core";

/**
 * Writes model.json, config.json, metrics.json and, when given, record.json (the directory's
 * self-description, see record.ts) into the model directory `dir`, one file at a time, each
 * atomically and durably (temporary file, fsync, rename, fsync of the directory): a kill at any
 * point leaves each file's previous or new version, and `dir` with its checkpoints always stays.
 * Without `record`, an earlier run's record.json is removed (it would describe another model).
 * A symlinked `dir` or `checkpoints/` is refused (FileError).
 */
export async function writeModelDir(dir: string, model: RewardModel, config: object, metrics: object, record?: ModelRecord): Promise<void> {
  checkRunDirNoSymlinks(dir);
  const doing = "writing the model directory";
  // synchronous, in this order: no other work interleaves, and each file is complete before the next
  writeFileAtomicSync(join(dir, "model.json"), JSON.stringify(serializeModel(model)), doing);
  writeFileAtomicSync(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`, doing);
  writeFileAtomicSync(join(dir, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`, doing);
  if (record) writeFileAtomicSync(join(dir, "record.json"), `${JSON.stringify(record, null, 2)}\n`, doing);
  else {
    const file = join(dir, "record.json");
    try {
      rmSync(file, { force: true });
      fsyncDirSync(dir);
    } catch (e) {
      throw fileError(e, file, doing);
    }
  }
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
