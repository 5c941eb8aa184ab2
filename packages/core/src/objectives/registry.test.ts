import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { getObjective, listObjectives, objectives, registerObjective, unregisterObjective } from "./registry.js";
import { naive } from "./supervised.js";
import type { Objective } from "./types.js";

describe("the default objective registry", () => {
  it("holds the built-in methods without an import side effect, and the thin functions use it", () => {
    expect(objectives.names()).toEqual(listObjectives());
    expect(objectives.resolve("naive")).toBe(naive);
    expect(getObjective("naive")).toBe(naive);
  });

  it("registers and unregisters, so a plug-in or a test can put things back", () => {
    const mine: Objective<object> = { ...(naive as Objective<object>), name: "registry-test" };
    registerObjective(mine);
    expect(getObjective("registry-test")).toBe(mine);
    expect(() => registerObjective(mine)).toThrow(/objective "registry-test" is already registered/);
    expect(unregisterObjective("registry-test")).toBe(mine);
    expect(listObjectives()).not.toContain("registry-test");
    expect(() => getObjective("registry-test")).toThrow(ConfigError);
  });

  it("keeps its checks on the instance too", () => {
    const badHead = { ...(naive as Objective<object>), name: "registry-test-bad", heads: ["activity"] } as unknown as Objective<object>;
    expect(() => objectives.register("registry-test-bad", badHead)).toThrow(/cannot be registered: its first head must be "reward"/);
    expect(() => objectives.register("another-name", naive as Objective<object>)).toThrow(/cannot be registered: it is named "naive"/);
    expect(objectives.has("registry-test-bad")).toBe(false);
  });
});
