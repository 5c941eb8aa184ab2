/**
 * The packages the site bundles must resolve, under the `browser` export condition, to ESM that
 * imports no Node built-in: bundles each entry with esbuild for the browser platform, where an
 * import of `node:fs` (or `fs`, `path`, …) is a build error. The packages must be built (turbo runs
 * `^build` first).
 */
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const entries = ["@implicitrm/core", "@implicitrm/backends", "@implicitrm/datasets", "@implicitrm/serve/browser"];

describe("browser builds of the packages", () => {
  it.each(entries)("%s bundles for the browser without Node built-ins", async (name) => {
    const result = await build({
      stdin: { contents: `export * from "${name}";`, resolveDir: import.meta.dirname, loader: "js" },
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      conditions: ["browser"],
      metafile: true,
      logLevel: "silent",
      // tfjs's own packages are fine in browsers; only what the ImplicitRM packages pull is checked.
    }).catch((e: { errors?: Array<{ text: string }> }) => {
      throw new Error(`${name} does not bundle for the browser:\n${(e.errors ?? []).map((x) => `  ${x.text}`).join("\n") || String(e)}`);
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => p.startsWith("node:"))).toEqual([]);
    // Every ImplicitRM module in the bundle is the package's built ESM (dist/), never a Node-only file.
    const own = inputs.filter((p) => p.includes("/packages/") || p.includes("/apps/"));
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((p) => /\/(node\/[\w-]+|store\/(reader|writer|splits))\.js$/.test(p))).toEqual([]);
  });
});
