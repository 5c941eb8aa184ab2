// The face of @implicitrm/core: base.ts (no side effects) plus the one side effect, registering
// tfjs's gradient functions, which training needs and tfjs-core's Node entry does not register.
import "./register-gradients.js";

export * from "./base.js";
