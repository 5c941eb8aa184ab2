import { beforeAll, describe, expect, it } from "vitest";
import { decodeBase64, encodeBase64 } from "./base64.js";
import { RewardModel } from "./model.js";
import { MODEL_FORMAT, deserializeModel, serializeModel } from "./model-json.js";
import { Rng } from "./random.js";
import { toyFeatureSet, useCpu } from "./test-utils/setup.js";

beforeAll(useCpu);

describe("portable base64", () => {
  it("gives Node Buffer's text for every length and decodes it back", () => {
    const rng = new Rng(5);
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 100, 12289, 40000]) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
      const text = encodeBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64"));
      expect(Array.from(decodeBase64(text))).toEqual(Array.from(bytes));
    }
  });

  it("refuses characters outside the alphabet and bad padding", () => {
    expect(() => decodeBase64("AAA*", "kernel")).toThrow(/kernel: "\*" at offset 3 is not a base64 character/);
    expect(() => decodeBase64("A===")).toThrow(/truncated or over-padded/);
    expect(() => decodeBase64("AAAAA")).toThrow(/truncated/);
  });
});

describe("model.json (core's model-json.ts)", () => {
  it("is byte-identical to the Buffer-based writer and reads back to the same predictions", () => {
    const model = new RewardModel("implicitrm", ["reward", "activity"], 6, [5, 3], 11);
    const json = serializeModel(model) as { format: string; heads: Record<string, { layers: Array<{ kernel: string; bias: string }> }> };
    expect(json.format).toBe(MODEL_FORMAT);
    const w = model.getWeights();
    for (const [name, h] of Object.entries(json.heads)) {
      h.layers.forEach((l, i) => {
        const k = w[name as "reward"]!.layers[i]!.kernel;
        expect(l.kernel).toBe(Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString("base64"));
      });
    }
    const back = deserializeModel(JSON.parse(JSON.stringify(json)));
    const fs = toyFeatureSet(10, 6, 1);
    expect(Array.from(back.predict(fs))).toEqual(Array.from(model.predict(fs)));
    expect(JSON.stringify(serializeModel(back))).toBe(JSON.stringify(json));
    model.dispose();
    back.dispose();
  });

  it("refuses damaged weights naming the file, head and layer", () => {
    const model = new RewardModel("implicitrm", ["reward"], 4, [2], 1);
    const json = JSON.parse(JSON.stringify(serializeModel(model)));
    json.heads.reward.layers[0].kernel = "!!!!";
    expect(() => deserializeModel(json, "dir/model.json")).toThrow(/dir\/model.json: head "reward" layer 0 kernel: "!" at offset 0/);
    json.heads.reward.layers[0].kernel = "AAAA";
    expect(() => deserializeModel(json, "dir/model.json")).toThrow(/holds 0.75 floats, expected 8/);
    model.dispose();
  });
});
