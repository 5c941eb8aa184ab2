import { describe, expect, it } from "vitest";
import { MissingDependencyError } from "./errors.js";
import { importOptional, isModuleNotFound, isNode } from "./runtime.js";

describe("runtime helpers", () => {
  it("knows it runs on Node", () => {
    expect(isNode()).toBe(true);
  });
  it("names the package and the install command when an optional package is absent", async () => {
    const pkg = { name: "implicitrm-no-such-package", version: "^1.0.0", feature: "the test feature" };
    const e = await importOptional(pkg.name, pkg).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(MissingDependencyError);
    expect((e as MissingDependencyError).installed).toBe(false);
    expect((e as MissingDependencyError).packageName).toBe(pkg.name);
    expect((e as Error).message).toMatch(/the test feature needs the optional package implicitrm-no-such-package \(\^1\.0\.0\).*npm install implicitrm-no-such-package@\^1\.0\.0/);
  });
  it("tells a missing dependency of the package from the package missing", () => {
    const inner = Object.assign(new Error("Cannot find package 'dep' imported from /x/node_modules/pkg/index.js"), { code: "ERR_MODULE_NOT_FOUND" });
    expect(isModuleNotFound(inner, "pkg")).toBe(false);
    const outer = Object.assign(new Error("Cannot find package 'pkg' imported from /app/main.js"), { code: "ERR_MODULE_NOT_FOUND" });
    expect(isModuleNotFound(outer, "pkg")).toBe(true);
  });
});
