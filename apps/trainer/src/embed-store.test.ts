// Feature stores as training data: the same rows, labels, splits and trained weights as the file
// they were embedded from, with the features read from disk in blocks.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "@implicitrm/backends";
import { type RowSource, readRange } from "@implicitrm/core";
import { openFeatureStore } from "@implicitrm/datasets";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TRAINER_CONFIG, type TrainerConfig } from "./config.js";
import { loadDataset } from "./dataset.js";
import { writeStore } from "./embed-store.js";
import { trainAndEvaluate } from "./train-and-evaluate.js";
import { DEFAULT_TEXT_DATA } from "./dataset.js";

beforeAll(async () => {
  await initBackend("cpu");
});

const tmp = () => mkdtempSync(join(tmpdir(), "irm-store-data-"));
const settings = { ...DEFAULT_TEXT_DATA, encoder: "hashing:64" };

function ratedFile(dir: string): string {
  const lines = Array.from({ length: 150 }, (_, i) => {
    const score = 1 + (i % 10);
    const response = `${score > 5 ? "a clear helpful precise answer" : "a vague wrong short reply"} ${["x", "y", "z"][i % 3]} ${i}`;
    return JSON.stringify({ id: `r${i}`, prompt: `question ${i >> 1}`, response, ratings: { uf_score: score }, meta: { prompt_id: `p${i >> 1}` } });
  });
  const path = join(dir, "rated.jsonl");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** Everything of a split but its features, and its features read back whole. */
function unpack(s: RowSource) {
  const { features: _f, readRows: _r, ids: _ids, ...labels } = s;
  return { labels, features: Array.from(readRange(s, 0, s.n)) };
}

describe("feature stores as datasets", () => {
  it("rated data: the store gives the text file's labels, splits, features and trained weights, reading rows from disk", async () => {
    const dir = tmp();
    const file = ratedFile(dir);
    const store = join(dir, "store");
    const header = await writeStore(file, store, settings, { blockRows: 16 });
    expect(header).toMatchObject({ n: 150, dim: 64, kind: "rated", rated: { adapter: "normalized", ratingField: "uf_score" }, encoder: { id: expect.stringMatching(/hashing/) } });
    const sim = { ...DEFAULT_TRAINER_CONFIG, ...settings };
    const fromFile = await loadDataset(file, 7, sim);
    const fromStore = await loadDataset(store, 7, sim);
    expect(fromStore.train.features).toBeUndefined();
    for (const split of ["train", "validation", "test"] as const) {
      expect(unpack(fromStore[split])).toEqual(unpack(fromFile[split]));
    }
    expect(fromStore.info).toMatchObject({ n: 150, nTest: fromFile.info.nTest, observationRate: fromFile.info.observationRate });
    const config: TrainerConfig = { ...DEFAULT_TRAINER_CONFIG, ...settings, hidden: [8], epochs: 3, seed: 7 };
    const a = await trainAndEvaluate(fromFile, config);
    const b = await trainAndEvaluate(fromStore, config);
    expect(b.result.model.getWeights()).toEqual(a.result.model.getWeights());
    expect(b.metrics).toEqual(a.metrics);
    a.result.model.dispose();
    b.result.model.dispose();
  });

  it("logs keep r and the activity block; features files keep r, r* and groups", async () => {
    const dir = tmp();
    const log = join(dir, "log.jsonl");
    writeFileSync(
      log,
      `${Array.from({ length: 60 }, (_, i) =>
        JSON.stringify({ prompt: `q${i >> 1}`, response: i % 3 ? "a useful code answer" : "meh", actions: { copy: i % 3 !== 0 && i % 2 === 0 }, context: { position: i % 4 } }),
      ).join("\n")}\n`,
    );
    await writeStore(log, join(dir, "log-store"), settings);
    const fromLog = await loadDataset(log, 1, { ...settings });
    const fromLogStore = await loadDataset(join(dir, "log-store"), 1, { ...settings });
    expect(fromLogStore.train.activity?.names).toEqual(fromLog.train.activity?.names);
    for (const split of ["train", "validation"] as const) expect(unpack(fromLogStore[split])).toEqual(unpack(fromLog[split]));

    const features = join(dir, "features.jsonl");
    writeFileSync(
      features,
      `${Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: `f${i}`, features: [i / 50, (i % 7) / 7, 1], r: i % 3 === 0 ? 1 : 0, rStar: i % 2, group: i >> 2 })).join("\n")}\n`,
    );
    const h = await writeStore(features, join(dir, "f-store"), settings);
    expect(h).toMatchObject({ kind: "features", n: 50, dim: 3 });
    expect(h.encoder).toBeUndefined();
    expect(openFeatureStore(join(dir, "f-store"), { ids: true }).ids?.[3]).toBe("f3");
    const a = await loadDataset(features, 2);
    const b = await loadDataset(join(dir, "f-store"), 2);
    for (const split of ["train", "validation", "test"] as const) expect(unpack(b[split])).toEqual(unpack(a[split]));
  });
});
