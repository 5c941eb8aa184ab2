// tfjs-core registers no gradients from its Node entry, and its ESM sources use extensionless
// imports that Node cannot load. This bundles tfjs-core's own register_all_gradients into one ESM
// file that Node and browsers can import. The bundled ops talk to the same global tfjs engine and
// gradient registry (tfjs keeps them on globalThis), so the registrations reach every tfjs copy.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const entry = join(dirname(require.resolve("@tensorflow/tfjs-core/package.json")), "dist", "register_all_gradients.js");
for (const dir of ["src/generated", "dist/generated"]) {
  const outdir = join(here, "..", dir);
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2020",
    minify: true,
    legalComments: "inline",
    outfile: join(outdir, "tfjs-gradients.js"),
    logLevel: "warning",
  });
}
