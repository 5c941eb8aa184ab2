import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { selectRows } from "../split.js";
import { loadStoreDataset } from "./splits.js";
import { openFeatureStore } from "./reader.js";
import { FeatureStoreWriter } from "./writer.js";
import { DEFAULT_SIMULATION } from "../splits.js";

describe("feature store: the explicitNegative column", () => {
  it("round-trips, is gathered by selectRows and reaches the splits", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "irm-store-neg-")), "s");
    const n = 40;
    const r = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const neg = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 1 && i % 2 === 0 ? 1 : 0));
    const w = FeatureStoreWriter.create(dir, { dim: 2, kind: "features", blockRows: 16 });
    w.append({ features: Float32Array.from({ length: 2 * n }, (_, i) => i / n), r, explicitNegative: neg });
    w.finish();
    const store = openFeatureStore(dir);
    expect(Array.from(store.explicitNegative!)).toEqual(Array.from(neg));
    const view = selectRows(store, Int32Array.from([4, 3]));
    expect(Array.from(view.explicitNegative!)).toEqual([1, 0]);
    const splits = loadStoreDataset(dir, 1, DEFAULT_SIMULATION, null);
    const count = (a?: Uint8Array) => (a ? a.reduce((s, v) => s + v, 0) : 0);
    expect(count(splits.train.explicitNegative) + count(splits.validation.explicitNegative) + count(splits.test.explicitNegative)).toBe(count(neg));
  });

  it("refuses a value other than 0 or 1", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "irm-store-neg-")), "s");
    const w = FeatureStoreWriter.create(dir, { dim: 1, kind: "features" });
    expect(() => w.append({ features: Float32Array.from([1, 2]), r: [0, 0], explicitNegative: [0, 2] })).toThrow(/explicitNegative must be 0 or 1/);
    w.abort();
  });
});
