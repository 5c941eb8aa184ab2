import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const pkgDir = fileURLToPath(new URL("../", import.meta.url));
const repo = join(pkgDir, "../..");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));

describe("install footprint", () => {
  it("keeps transformers.js and onnxruntime-node optional peers (the hashing encoder installs light)", () => {
    expect(Object.keys(pkg.dependencies)).toEqual(["@implicitrm/core"]);
    for (const p of ["@huggingface/transformers", "onnxruntime-node"]) {
      expect(pkg.peerDependencies[p]).toBeDefined();
      expect(pkg.peerDependenciesMeta[p]).toEqual({ optional: true });
    }
  });

  it("never lets onnxruntime-node's install script run (it downloads CUDA binaries), yet its CPU binding loads", () => {
    const ws = existsSync(join(repo, "pnpm-workspace.yaml")) ? readFileSync(join(repo, "pnpm-workspace.yaml"), "utf8") : "";
    const rootPkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"));
    expect(ws).not.toMatch(/onlyBuiltDependencies:[\s\S]*onnxruntime-node|allowBuilds:[\s\S]*onnxruntime-node:\s*true/);
    expect(JSON.stringify(rootPkg.pnpm?.onlyBuiltDependencies ?? [])).not.toContain("onnxruntime-node");
    const require = createRequire(join(pkgDir, "package.json"));
    const ortDir = dirname(require.resolve("onnxruntime-node/package.json"));
    const bin = join(ortDir, "bin/napi-v6", process.platform, process.arch);
    if (existsSync(bin)) expect(readdirSync(bin).filter((f) => /cuda|tensorrt/i.test(f))).toEqual([]);
    const ort = require("onnxruntime-node") as { listSupportedBackends(): { name: string }[] };
    expect(ort.listSupportedBackends().map((b) => b.name)).toContain("cpu");
  });
});
