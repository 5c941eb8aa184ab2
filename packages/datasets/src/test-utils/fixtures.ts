import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError, DataError } from "@implicitrm/core/errors";
import { expect } from "vitest";

/** Absolute path of a file in packages/datasets/test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
}

export function fixtureText(name: string): string {
  return readFileSync(fixture(name), "utf8");
}

/** The repository root (this file is packages/datasets/src/test-utils/fixtures.ts). */
export const repoRoot = new URL("../../../../", import.meta.url);

/** A path under `../shared/data`, resolved relative to the repository root (absent on some machines). */
export function sharedData(rel: string): string {
  return fileURLToPath(new URL(`../shared/data/${rel}`, repoRoot));
}

/** Awaits `p` (or calls it) and checks it fails with a DataError at file/line/field. */
export async function expectDataError(
  p: Promise<unknown> | (() => unknown),
  where: { file?: string; line?: number; row?: number; field?: string },
  message?: RegExp,
): Promise<DataError> {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DataError);
  const e = err as DataError;
  for (const [k, v] of Object.entries(where)) expect(e.location?.[k as keyof typeof where]).toBe(v);
  if (where.file !== undefined && where.line !== undefined) expect(e.message).toContain(`${where.file}:${where.line}`);
  if (message) expect(e.message).toMatch(message);
  return e;
}

export async function expectConfigError(p: Promise<unknown> | (() => unknown), message?: RegExp): Promise<void> {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  if (message) expect((err as Error).message).toMatch(message);
}
