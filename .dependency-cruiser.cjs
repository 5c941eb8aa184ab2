/**
 * The architecture's arrows (docs/ARCHITECTURE.md), checked on every `npm test` by
 * dependency-cruiser over packages/ and apps/ after the build (imports between packages resolve
 * through their `exports` into dist/, so the rules below name dist paths for cross-package arrows).
 */
const TFJS_FREE_CORE = "^packages/core/dist/(errors|random|types|metrics|registry|runtime|node/[^/]+|onnx/[^/]+)\\.js$";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import circles make every file in them depend on every other; split the shared part out.",
      from: {},
      to: { circular: true },
    },
    {
      name: "cli-imported-by-nothing",
      severity: "error",
      comment: "apps/cli is the only place that knows argv, stdout and signals; libraries never import it.",
      from: { pathNot: "^apps/cli/" },
      to: { path: "^apps/cli/" },
    },
    {
      name: "packages-import-no-app",
      severity: "error",
      comment: "Arrows point one way: apps compose packages, never the reverse.",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
    {
      name: "core-imports-no-sibling",
      severity: "error",
      comment: "core is the bottom of the house: it imports none of our other packages.",
      from: { path: "^packages/core/" },
      to: { path: "^packages/(backends|encoders|datasets)/" },
    },
    {
      name: "core-face-no-node",
      severity: "error",
      comment: "core speaks tensors and plain arrays: only its Node-only subpath (src/node/) and tests touch Node built-ins.",
      from: { path: "^packages/core/src/", pathNot: ["^packages/core/src/node/", "\\.test\\.ts$", "/test-utils/"] },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "datasets-encoders-tfjs-free-core-only",
      severity: "error",
      comment: "datasets and encoders install without tfjs: they may import only core's tfjs-free subpaths.",
      from: { path: "^packages/(datasets|encoders)/src/", pathNot: "\\.test\\.ts$" },
      to: { path: "^packages/core/", pathNot: TFJS_FREE_CORE },
    },
    {
      name: "datasets-encoders-no-tfjs",
      severity: "error",
      comment: "datasets and encoders install without tfjs.",
      from: { path: "^packages/(datasets|encoders)/src/", pathNot: "\\.test\\.ts$" },
      to: { path: "node_modules/@tensorflow/" },
    },
    {
      name: "datasets-encoders-apart",
      severity: "error",
      comment: "datasets and encoders are independent of each other and of backends; apps join them.",
      from: { path: "^packages/(datasets|encoders)/" },
      to: { path: "^packages/(datasets|encoders|backends)/", pathNot: "^packages/$1/" },
    },
    {
      name: "backends-only-core",
      severity: "error",
      comment: "backends plug into core's kernel hook; they know nothing of data or encoders.",
      from: { path: "^packages/backends/" },
      to: { path: "^packages/(datasets|encoders)/" },
    },
    {
      name: "no-unresolvable",
      severity: "error",
      comment: "An import that resolves to nothing is a broken path (or a package missing from package.json).",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules", "/dist/"] },
    exclude: { path: ["/generated/"] },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "node", "default"],
      mainFields: ["module", "main"],
      extensions: [".ts", ".js", ".mjs", ".json"],
    },
    tsConfig: { fileName: "tsconfig.base.json" },
  },
};
