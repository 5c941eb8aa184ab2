// tsc checks the TypeScript files only; Vue single-file components are compiled (and checked) by
// VitePress at build time.
declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent;
  export default component;
}
