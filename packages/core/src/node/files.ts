/**
 * Writing files so that a crash or a kill never leaves a half-written file or directory under its
 * final name: write to a temporary name beside the target, then rename. The one copy of this
 * pattern for every package (models, checkpoints, stores, caches, downloads, bench outputs).
 *
 * Node only (`@implicitrm/core/node`): core's face stays free of I/O and Node built-ins; this
 * subpath is the single place the packages that write files share. File-system failures come back
 * as a {@link FileError} naming the path and the operation.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FileError, ImplicitRMError } from "../errors.js";

/** A temporary name in the same directory as `path` (so the final rename stays on one file system). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

const WHAT: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "the path is a directory",
  ENOENT: "no such file or directory",
  EEXIST: "the path already exists",
  EMFILE: "too many open files",
};

/**
 * Turns a Node file-system error into a {@link FileError} naming `path` and what was being done
 * (`doing`, e.g. "writing the model"); ImplicitRMErrors and non-file errors pass through unchanged.
 */
export function fileError(e: unknown, path: string, doing: string): unknown {
  if (e instanceof ImplicitRMError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== "string" || !/^E[A-Z]+$/.test(code)) return e;
  const what = WHAT[code] ?? (e as Error).message;
  return new FileError(`${doing}: ${path}: ${what} (${code})`, path, code, { cause: e });
}

/** Writes a file atomically (temporary file in the same directory, then rename). */
export async function writeFileAtomic(path: string, content: string | Uint8Array, doing = "writing a file"): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, content);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fileError(e, path, doing);
  }
}

/** {@link writeFileAtomic}, synchronously. */
export function writeFileAtomicSync(path: string, content: string | Uint8Array, doing = "writing a file"): void {
  const tmp = tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {}
    throw fileError(e, path, doing);
  }
}

/**
 * Moves the complete directory `tmp` into place as `dir`, replacing an existing `dir` only after
 * the new one is complete (unless `overwrite` is false, then an existing `dir` is an error).
 */
export function replaceDirSync(tmp: string, dir: string, options: { overwrite?: boolean; doing?: string } = {}): void {
  const doing = options.doing ?? "writing a directory";
  const old = `${tmp}.old`;
  let moved = false;
  try {
    if (existsSync(dir)) {
      if (options.overwrite === false) throw new FileError(`${doing}: ${dir} already exists; not replacing it`, dir, "EEXIST");
      renameSync(dir, old);
      moved = true;
    }
    renameSync(tmp, dir);
  } catch (e) {
    // The new directory did not take the old one's place: put the old one back (it is never
    // deleted before its replacement is in place; if it cannot be put back it stays at `old`).
    if (moved && !existsSync(dir)) {
      try {
        renameSync(old, dir);
      } catch {}
    }
    throw fileError(e, dir, doing);
  }
  rmSync(old, { recursive: true, force: true });
}

/**
 * Builds a directory atomically: `fill` writes into a temporary directory, which then replaces `dir`
 * (an existing `dir` is removed only after the new one is complete). On failure nothing is left.
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>, doing = "writing a directory"): Promise<void> {
  const tmp = tempPathFor(dir);
  try {
    await mkdir(dirname(dir), { recursive: true });
    await mkdir(tmp);
    await fill(tmp);
    replaceDirSync(tmp, dir, { doing });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw fileError(e, dir, doing);
  }
}
