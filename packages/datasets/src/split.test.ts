import { ConfigError } from "@implicitrm/core/errors";
import type { FeatureSet } from "@implicitrm/core/types";
import { describe, expect, it } from "vitest";
import { indexGroups, splitIndices, splitRows, takeRows } from "./split.js";

function checkPartition(n: number, s: { train: Int32Array; validation: Int32Array; test: Int32Array }) {
  const seen = new Uint8Array(n);
  for (const part of [s.train, s.validation, s.test]) {
    for (let j = 0; j < part.length; j++) {
      const i = part[j]!;
      expect(seen[i]).toBe(0);
      seen[i] = 1;
      if (j > 0) expect(i).toBeGreaterThan(part[j - 1]!);
    }
  }
  expect(seen.every((x) => x === 1)).toBe(true);
}

describe("splitIndices", () => {
  it("splits 20 % test, then 80/20 train/validation, disjoint and covering", () => {
    const s = splitIndices(1000, { seed: 3 });
    expect(s.test.length).toBe(200);
    expect(s.validation.length).toBe(160);
    expect(s.train.length).toBe(640);
    checkPartition(1000, s);
  });

  it("is deterministic for a seed", () => {
    expect(splitIndices(500, { seed: 9 })).toEqual(splitIndices(500, { seed: 9 }));
    expect(splitIndices(500, { seed: 9 }).test).not.toEqual(splitIndices(500, { seed: 10 }).test);
  });

  it("keeps groups whole", () => {
    const n = 1003;
    const group = Array.from({ length: n }, (_, i) => `p${Math.floor(i / 3)}`);
    const s = splitIndices(n, { seed: 5, group });
    checkPartition(n, s);
    const where = new Map<string, string>();
    for (const [name, part] of Object.entries(s)) {
      for (const i of part as Int32Array) {
        const g = group[i]!;
        const prev = where.get(g);
        if (prev !== undefined) expect(prev).toBe(name);
        where.set(g, name);
      }
    }
    // Sizes within one group of the targets.
    expect(Math.abs(s.test.length - 201)).toBeLessThanOrEqual(3);
    expect(Math.abs(s.validation.length - 0.2 * (n - s.test.length))).toBeLessThanOrEqual(3);
  });

  it("accepts explicit fractions through splitRows", () => {
    const s = splitRows(1000, { train: 0.5, validation: 0.25, test: 0.25 }, 1);
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([500, 250, 250]);
    expect(splitRows(1000, undefined, 1)).toEqual(splitIndices(1000, { seed: 1 }));
    expect(() => splitRows(10, { train: 0.5, validation: 0.1, test: 0.1 })).toThrow(ConfigError);
  });

  it("rejects bad options", () => {
    expect(() => splitIndices(10, { testFraction: 1 })).toThrow(ConfigError);
    expect(() => splitIndices(10, { validationFraction: -0.1 })).toThrow(ConfigError);
    expect(() => splitIndices(10, { group: [1, 2] })).toThrow(ConfigError);
    expect(() => splitIndices(-1)).toThrow(ConfigError);
  });
});

describe("indexGroups", () => {
  it("maps keys to dense indices in order of first appearance", () => {
    const { index, count } = indexGroups(["b", "a", "b", "c"]);
    expect(Array.from(index)).toEqual([0, 1, 0, 2]);
    expect(count).toBe(3);
  });
});

describe("takeRows", () => {
  it("subsets features and every present optional array", () => {
    const fs: FeatureSet = {
      n: 3,
      dim: 2,
      features: Float32Array.from([0, 1, 10, 11, 20, 21]),
      r: Uint8Array.from([0, 1, 0]),
      rStar: Uint8Array.from([1, 1, 0]),
      propensity: Float32Array.from([0.1, 0.2, 0.3]),
      grade: Float32Array.from([5, 4, 1]),
      group: Int32Array.from([0, 0, 1]),
      ids: ["a", "b", "c"],
    };
    const t = takeRows(fs, [2, 0]);
    expect(t.n).toBe(2);
    expect(t.dim).toBe(2);
    expect(Array.from(t.features)).toEqual([20, 21, 0, 1]);
    expect(Array.from(t.r)).toEqual([0, 0]);
    expect(Array.from(t.rStar!)).toEqual([0, 1]);
    expect(Array.from(t.propensity!)).toEqual([Math.fround(0.3), Math.fround(0.1)]);
    expect(Array.from(t.grade!)).toEqual([1, 5]);
    expect(Array.from(t.group!)).toEqual([1, 0]);
    expect(t.ids).toEqual(["c", "a"]);
    // Copies, not views.
    t.features[0] = -1;
    expect(fs.features[4]).toBe(20);
  });

  it("leaves absent optional arrays absent and rejects bad indices", () => {
    const fs: FeatureSet = { n: 2, dim: 1, features: Float32Array.from([1, 2]), r: Uint8Array.from([1, 0]) };
    const t = takeRows(fs, Int32Array.from([1]));
    expect(t.rStar).toBeUndefined();
    expect(t.ids).toBeUndefined();
    expect(() => takeRows(fs, [2])).toThrow(ConfigError);
  });
});
