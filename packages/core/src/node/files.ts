/**
 * Writing files so that a crash or a kill never leaves a half-written file or directory under its
 * final name: write to a temporary name beside the target, then rename. The one copy of this
 * pattern for every package (models, checkpoints, stores, caches, downloads, bench outputs).
 *
 * Node only (`@implicitrm/core/node`): core's face stays free of I/O and Node built-ins; this
 * subpath is the single place the packages that write files share. File-system failures come back
 * as a {@link FileError} naming the path and the operation.
 *
 * Durability: every file is fsync'ed before its rename and its directory after it, so that after an
 * OS crash or a power loss a name never points at an empty or partly written file (the order is
 * write, fsync(file), rename, fsync(dir)).
 */
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FileError, ImplicitRMError } from "../errors.js";

/** A temporary name in the same directory as `path` (so the final rename stays on one file system). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** Our temporaries' names ({@link tempPathFor}, and `replaceDirSync`'s `.old`): `.<name>.tmp-<pid>-<6 chars>[.old]`. */
const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-[0-9a-z]{1,8}(\.old)?$/;

/** Whether process `pid` is alive on this host (EPERM: alive, someone else's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporaries of our own naming ({@link tempPathFor}) directly in `dir` that a killed
 * process left: only names that match ours and whose pid is not alive (nor this process); a
 * symlink is removed as a link, never followed. With `only`, just the temporaries of that one name
 * (`.<only>.tmp-*`). Returns the removed paths. A missing `dir` is fine.
 */
export function removeStaleTemps(dir: string, only?: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || (only !== undefined && m[1] !== only)) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const p = join(dir, name);
    try {
      rmSync(p, { recursive: !lstatSync(p).isSymbolicLink(), force: true });
      removed.push(p);
    } catch (e) {
      throw fileError(e, p, "removing a stale temporary file");
    }
  }
  return removed;
}

/** fsyncs the directory `dir` (so a rename or unlink in it survives an OS crash); a no-op where directories cannot be opened (Windows). */
export function fsyncDirSync(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch (e) {
    if (process.platform === "win32") return;
    throw fileError(e, dir, "syncing a directory");
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    // some file systems refuse fsync on a directory (EINVAL, EISDIR): nothing more can be done there
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw fileError(e, dir, "syncing a directory");
  } finally {
    closeSync(fd);
  }
}

/** Writes `content` to a new file `path` (an existing one is an EEXIST error) and fsyncs it before closing. */
export function writeNewFileSyncedSync(path: string, content: string | Uint8Array): void {
  const fd = openSync(path, "wx");
  try {
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    let at = 0;
    while (at < bytes.byteLength) at += writeSync(fd, bytes, at, bytes.byteLength - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsyncs every file and folder under `dir` (then `dir` itself), for a directory about to be renamed into place. */
export function fsyncTreeSync(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) fsyncTreeSync(p);
    else if (e.isFile()) {
      const fd = openSync(p, "r");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
  fsyncDirSync(dir);
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

/**
 * Writes a file atomically and durably: a temporary file in the same directory, written and
 * fsync'ed, renamed over `path`, then the directory fsync'ed. A kill at any point leaves `path`
 * with its old or its new content, never a mix; an OS crash after it returns loses nothing.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, doing = "writing a file"): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(tmp, "wx");
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    fsyncDirSync(dirname(path));
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fileError(e, path, doing);
  }
}

/** {@link writeFileAtomic}, synchronously (the same write, fsync, rename, fsync(dir)). */
export function writeFileAtomicSync(path: string, content: string | Uint8Array, doing = "writing a file"): void {
  const tmp = tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeNewFileSyncedSync(tmp, content);
    renameSync(tmp, path);
    fsyncDirSync(dirname(path));
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {}
    throw fileError(e, path, doing);
  }
}

/**
 * Moves the complete directory `tmp` into place as `dir`, replacing an existing `dir` only after
 * the new one is complete (unless `overwrite` is false, then an existing `dir` is an error). The
 * caller makes `tmp`'s contents durable first ({@link fsyncTreeSync}); the parent is fsync'ed after.
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
    fsyncDirSync(dirname(dir));
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
    fsyncTreeSync(tmp);
    replaceDirSync(tmp, dir, { doing });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw fileError(e, dir, doing);
  }
}
