/**
 * The README's quick start: train ImplicitRM on the synthetic default and score it on clean labels.
 * Runs in Node (e.g. `npx tsx quickstart.ts` in a project that depends on the three packages) and,
 * through a bundler, in browsers (pass `{ wasmPaths }` to initBackend there).
 */
import { initBackend } from "@implicitrm/backends";
import { classificationMetrics, train } from "@implicitrm/core";
import { syntheticDataset } from "@implicitrm/datasets";

await initBackend("auto"); // wasm if it starts, else cpu
const data = syntheticDataset({ seed: 1 }); // train / validation / test FeatureSets
const { model } = await train({ train: data.train, validation: data.validation }, { objective: "implicitrm" });
const p = model.predict(data.test.features); // r̂ = P(r* = 1 | x)
console.log(classificationMetrics({ p, y: data.test.rStar! }));
