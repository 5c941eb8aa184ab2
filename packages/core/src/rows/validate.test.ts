import { describe, expect, it } from "vitest";
import { validateFeatureSet } from "./validate.js";

describe("validateFeatureSet", () => {
  it("checks the length of group", () => {
    const fs = { n: 2, dim: 1, features: Float32Array.from([0, 1]), r: Uint8Array.from([0, 1]), group: Int32Array.from([0]) };
    expect(() => validateFeatureSet(fs, "train")).toThrow(/group has 1 values for 2 rows/);
  });
});
