/**
 * File readers. The only module of this package that imports Node built-ins, so everything else stays
 * browser-safe; it is not re-exported from a browser entry point.
 */
import { readFile } from "node:fs/promises";
import { DataError } from "@implicitrm/core/errors";
import { type NormalizedParseOptions, type NormalizedParseResult, parseNormalizedJsonl } from "./normalized.js";

/**
 * Reads a normalised JSONL file (UTF-8) and parses it with {@link parseNormalizedJsonl}; `opts.file`
 * defaults to `path` so errors name the file and line. Throws DataError when the file cannot be read
 * (with the OS error as `cause`), and whatever the parser throws.
 */
export async function readNormalizedJsonl(
  path: string | URL,
  opts: NormalizedParseOptions = {},
): Promise<NormalizedParseResult> {
  const file = opts.file ?? (typeof path === "string" ? path : decodeURIComponent(path.pathname));
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new DataError(`cannot read the file (${(e as Error).message}); check the path`, { file }, { cause: e });
  }
  return parseNormalizedJsonl(text, { ...opts, file });
}
