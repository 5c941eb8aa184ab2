import { describe, expect, it } from "vitest";
import { parseObjectiveSpec } from "./objective-spec.js";

describe("parseObjectiveSpec", () => {
  it("reads an objective with options, numbers as numbers", async () => {
    expect(parseObjectiveSpec("naive")).toEqual({ objective: "naive", options: {} });
    expect(parseObjectiveSpec("implicitrm:lambdaObs=0;smoothing=additive")).toEqual({
      objective: "implicitrm",
      options: { lambdaObs: 0, smoothing: "additive" },
    });
    expect(() => parseObjectiveSpec("implicitrm:lambda=1")).toThrow(/has no option "lambda"/);
    expect(() => parseObjectiveSpec("implicitrm:oops")).toThrow(/key=value/);
    expect(parseObjectiveSpec("prior=implicitrm:activityPrior=oracle@10;activityLr=null")).toEqual({
      objective: "implicitrm",
      options: { activityPrior: "oracle@10", activityLr: null },
      label: "prior",
    });
  });
});
