import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { Registry } from "./registry.js";

describe("Registry", () => {
  it("registers, resolves, lists in order and unregisters", () => {
    const r = new Registry<number>("widget");
    r.register("a", 1);
    r.register("b", 2);
    expect(r.resolve("b")).toBe(2);
    expect(r.names()).toEqual(["a", "b"]);
    expect(r.unregister("a")).toBe(1);
    expect(r.has("a")).toBe(false);
    expect(r.unregister("a")).toBeUndefined();
  });
  it("refuses a second registration unless replace is set, and names the known entries", () => {
    const r = new Registry<string>("widget");
    r.register("a", "x");
    expect(() => r.register("a", "y")).toThrow(/widget "a" is already registered/);
    expect(r.register("a", "y", { replace: true })).toBe("x");
    expect(() => r.resolve("zz")).toThrow(ConfigError);
    expect(() => r.resolve("zz")).toThrow(/unknown widget "zz": choose one of a/);
    expect(() => new Registry<number>("widget").resolve("q")).toThrow(/no widget is registered/);
    expect(() => r.register("", "z")).toThrow(/non-empty name/);
  });
  it("runs its check before adding an entry, and adds nothing when the check refuses", () => {
    const r = new Registry<number>("widget", {
      check: (name, n) => {
        if (n < 0) throw new ConfigError(`widget "${name}" must not be negative`);
      },
    });
    expect(() => r.register("a", -1)).toThrow(/must not be negative/);
    expect(r.has("a")).toBe(false);
    r.register("a", 1);
    expect(() => r.register("a", 2)).toThrow(/already registered/);
  });
});
