/**
 * The model directory a training run writes: model.json (architecture and weights, core's
 * model-json.ts), record.json (what the directory is: record.ts), config.json (the full resolved config) and metrics.json (test metrics
 * and the training history), beside the run's training checkpoints (checkpoints.ts). Written
 * atomically; loading checks the format and shapes and executes nothing.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DataError, type ModelRecord, type RewardModel, deserializeModel, serializeModel } from "@implicitrm/core";
import { writeDirAtomic } from "@implicitrm/core/node";
import { CHECKPOINT_DIR } from "./checkpoints.js";

// model.json's (de)serialisation lives in core (model-json.ts, browser-safe); re-exported here where it was.
export { deserializeModel, serializeModel } from "@implicitrm/core";

/**
 * Writes model.json, config.json, metrics.json and, when given, record.json (the directory's
 * self-description, see record.ts) into the model directory `dir` atomically. The training
 * checkpoints in `dir/checkpoints/` are carried over into the new directory (hard links, else copies).
 */
export async function writeModelDir(dir: string, model: RewardModel, config: object, metrics: object, record?: ModelRecord): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    const { copyFile, link, mkdir, readdir, writeFile } = await import("node:fs/promises");
    await writeFile(join(tmp, "model.json"), JSON.stringify(serializeModel(model)));
    if (record) await writeFile(join(tmp, "record.json"), `${JSON.stringify(record, null, 2)}\n`);
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
