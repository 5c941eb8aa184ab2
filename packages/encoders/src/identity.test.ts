import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createEncoderFromRecord, encoderOptionsFromConfig } from "./create.js";
import { HashingEncoder } from "./hashing.js";
import { checkEncoderMatches, describeEncoder, encoderSpecOf } from "./identity.js";

describe("an encoder's identity and its check against a record", () => {
  it("describes a hashing encoder and rebuilds it, non-default options included", async () => {
    const enc = new HashingEncoder({ dim: 64, seed: 3, sublinearTf: true, charNgrams: [2, 4] });
    const d = describeEncoder(enc, "hashing:64");
    expect(d).toMatchObject({ spec: "hashing:64", id: "hashing-64", dim: 64, pairTemplate: "plain" });
    expect(encoderOptionsFromConfig(d.config).hashing).toMatchObject({ seed: 3, sublinearTf: true, charNgrams: [2, 4] });
    const back = await createEncoderFromRecord(d);
    expect(back.config).toEqual(enc.config);
    const texts = ["a reward model", "scores text"];
    expect(Array.from(await back.encode(texts))).toEqual(Array.from(await enc.encode(texts)));
    // a store header without a spec: derived from the config
    expect(encoderSpecOf({ id: d.id, dim: d.dim, config: d.config })).toBe("hashing:64");
    expect(encoderSpecOf({ id: "transformer:x", dim: 8, config: { encoder: "transformers.js/v1", model: { directory: "models/tiny" } } })).toBe("transformer:models/tiny");
    expect(encoderSpecOf({ id: "static:glove.txt", dim: 8, config: { algorithm: "mean-word-vectors/v1" } })).toBeUndefined();
  });

  it("a mismatch is a ConfigError saying which field differs", async () => {
    const rec = describeEncoder(new HashingEncoder({ dim: 1024 }), "hashing:1024");
    expect(() => checkEncoderMatches(new HashingEncoder({ dim: 512 }), rec)).toThrow("encoder dim 512 differs from the model's 1024");
    expect(() => checkEncoderMatches(new HashingEncoder({ seed: 1 }), rec)).toThrow("encoder config.seed 1 differs from the model's 0");
    expect(() => checkEncoderMatches({ ...new HashingEncoder(), id: "other", dim: 1024, encode: async () => new Float32Array() }, rec)).toThrow(
      "encoder id other differs from the model's hashing-1024",
    );
    await expect(createEncoderFromRecord({ ...rec, spec: "hashing:512" })).rejects.toThrow("encoder dim 512 differs from the model's 1024");
    await expect(createEncoderFromRecord({ id: "static:v", dim: 8, config: { algorithm: "mean-word-vectors/v1" } })).rejects.toThrow(/has no spec/);
  });

  it("the identity module is browser-safe: it imports no Node module", () => {
    const src = readFileSync(new URL("identity.ts", import.meta.url), "utf8");
    expect(src).not.toMatch(/from\s+["']node:|import\(["']node:/);
  });
});
