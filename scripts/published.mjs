// The packages this repo publishes to npm, dependencies first (the order releases go out in).
// Everything else in the workspace (docs) is private.
export const PUBLISHED = [
  "packages/core",
  "packages/backends",
  "packages/encoders",
  "packages/datasets",
  "apps/trainer",
  "apps/serve",
  "apps/evaluator",
  "apps/cli",
];

/** The file name `pnpm pack` / `npm pack` gives a package's tarball. */
export function tarballName(pkg) {
  return `${pkg.name.replace(/^@/, "").replace("/", "-")}-${pkg.version}.tgz`;
}
