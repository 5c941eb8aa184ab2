// The one side effect of @implicitrm/core (index.ts imports it; base.ts does not): tfjs-core alone
// registers no gradients in Node, and training needs them. The registrations are
// tfjs-core's own, bundled at build time by scripts/bundle-gradients.mjs (see there for why).
// tfjs-core's main entry must be evaluated first: it creates the global engine whose tensor class
// the bundled gradient code then operates on.
import "@tensorflow/tfjs-core";
import "./generated/tfjs-gradients.js";
