import { describe, expect, it } from "vitest";
import { parseGrid } from "./grid.js";

describe("parseGrid", () => {
  it("expands the cartesian product of the listed values", () => {
    expect(parseGrid("lr=1e-3,1e-2 weightDecay=0,1e-4")).toEqual([
      { lr: 1e-3, weightDecay: 0 },
      { lr: 1e-3, weightDecay: 1e-4 },
      { lr: 1e-2, weightDecay: 0 },
      { lr: 1e-2, weightDecay: 1e-4 },
    ]);
    expect(parseGrid("batchSize=256;negativesPerPositive=2,4")).toHaveLength(2);
  });

  it("rejects unknown keys and non-numbers", () => {
    expect(() => parseGrid("epochs=1,2")).toThrow(/key one of lr, weightDecay/);
    expect(() => parseGrid("lr=fast")).toThrow(/must be numbers, got "fast"/);
  });
});
