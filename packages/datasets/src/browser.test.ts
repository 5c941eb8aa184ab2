import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as browser from "./browser.js";
import * as main from "./index.js";

/** The package's own modules reachable from an entry, following relative imports. */
function reachable(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (rel: string) => {
    if (seen.has(rel)) return;
    const src = readFileSync(fileURLToPath(new URL(rel, import.meta.url)), "utf8");
    seen.set(rel, src);
    for (const m of src.matchAll(/from\s+"(\.[^"]+)\.js"/g)) {
      const next = new URL(`${m[1]}.ts`, new URL(rel, import.meta.url)).pathname;
      visit(`./${next.split("/src/")[1]}`);
    }
  };
  visit(entry);
  return seen;
}

describe("entry points", () => {
  it("the browser entry reaches no Node built-in", () => {
    const mods = reachable("./browser.ts");
    expect(mods.size).toBeGreaterThan(10);
    for (const [file, src] of mods) expect(src, file).not.toMatch(/from\s+"node:|require\(/);
    expect([...mods.keys()]).not.toContain("./node/io.ts");
  });

  it("the main entry has the browser entry's exports plus the Node loaders", () => {
    for (const k of Object.keys(browser)) expect(main).toHaveProperty(k);
    for (const k of ["loadRatedDataset", "loadImplicitLog", "fetchHuggingFaceDataset", "readNormalizedJsonl", "readDataFile"]) {
      expect(main).toHaveProperty(k);
      expect(browser).not.toHaveProperty(k);
    }
  });
});
