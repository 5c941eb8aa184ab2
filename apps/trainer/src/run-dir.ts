/**
 * Guarding a run directory (`train --out`): one writer at a time (a lock file naming its PID, host
 * and start time; a stale one, whose process is gone, is taken over), no symlinked parts (so
 * nothing is ever written or deleted outside it), and the stale temporaries a killed run left.
 */
import { linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { FileError } from "@implicitrm/core/errors";
import { fileError, fsyncDirSync, pidAlive, removeStaleTemps, tempPathFor, writeNewFileSyncedSync } from "@implicitrm/core/node";

/** The folder of a run's training checkpoints inside its model directory. */
export const CHECKPOINT_DIR = "checkpoints";

/** The lock file's name inside a run directory. */
export const LOCK_FILE = ".lock";

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

/**
 * Refuses (FileError naming the path) a run directory whose parts are symbolic links: `dir`
 * itself, `dir/checkpoints`, or a file in it. Writing or pruning through a link would touch
 * another directory (another run's checkpoints).
 */
export function checkRunDirNoSymlinks(dir: string): void {
  const refuse = (p: string, what: string) => {
    throw new FileError(`${p}: ${what} is a symbolic link; a run directory and its checkpoints must be real directories and files (nothing is written or deleted through a link): remove the link or pick another --out`, p, "ELOOP");
  };
  const isLink = (p: string): boolean => {
    try {
      return lstatSync(p).isSymbolicLink();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw fileError(e, p, "checking the run directory");
    }
  };
  if (isLink(dir)) refuse(dir, "the run directory");
  const ck = join(dir, CHECKPOINT_DIR);
  if (isLink(ck)) refuse(ck, "the checkpoint folder");
  let names: string[];
  try {
    names = readdirSync(ck);
  } catch {
    return; // no checkpoint folder yet
  }
  for (const n of names) if (isLink(join(ck, n))) refuse(join(ck, n), "a checkpoint file");
}

/**
 * Removes the temporaries our atomic writes leave when killed: in `dir`, in `dir/checkpoints`, and
 * the `.<dir>.tmp-*` folders beside `dir` (the directory swaps of earlier versions); only names of
 * our own pattern whose process is not alive. Returns what was removed.
 */
export function removeStaleRunTemps(dir: string): string[] {
  return [...removeStaleTemps(dir), ...removeStaleTemps(join(dir, CHECKPOINT_DIR)), ...removeStaleTemps(dirname(dir), basename(dir))];
}

/** The exclusive lock on a run directory; {@link RunLock.acquire} takes it, `release` gives it back. */
export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly file: string,
    readonly info: LockInfo,
  ) {
    process.on("exit", this.onExit);
  }

  /**
   * Takes `<dir>/.lock` (created whole and exclusively: written to a temporary name, then hard-linked
   * to `.lock`, which fails if it exists). A lock held by a live process (or by another host) is a
   * FileError naming its PID, host and start time; a stale one (this host, its process gone) is
   * taken over with a notice through `log`. Released on `release()` and on process exit.
   */
  static acquire(dir: string, log: (line: string) => void = () => undefined): RunLock {
    const file = join(dir, LOCK_FILE);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw fileError(e, dir, "creating the run directory");
    }
    const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      const tmp = tempPathFor(file);
      try {
        writeNewFileSyncedSync(tmp, `${JSON.stringify(info)}\n`);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw fileError(e, dir, "writing the run directory's lock");
      }
      try {
        linkSync(tmp, file);
        rmSync(tmp, { force: true });
        fsyncDirSync(dir);
        return new RunLock(file, info);
      } catch (e) {
        rmSync(tmp, { force: true });
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw fileError(e, file, "locking the run directory");
      }
      const held = readLock(file);
      if (held === undefined) continue; // released meanwhile: try again
      const stale = held.info === undefined || (held.info.host === info.host && !pidAlive(held.info.pid));
      if (!stale) {
        const h = held.info!;
        throw new FileError(
          `${dir} is in use by another run: process ${h.pid} on ${h.host}, started ${h.startedAt} (lock ${file}); wait for it to finish or pick another --out (if that process is gone on another host, remove ${file})`,
          file,
          "ELOCKED",
        );
      }
      log(
        held.info
          ? `implicitrm: taking over a stale lock on ${dir} (process ${held.info.pid} on ${held.info.host}, started ${held.info.startedAt}, is no longer running)`
          : `implicitrm: taking over an unreadable lock on ${dir} (${file})`,
      );
      rmSync(file, { force: true });
    }
    throw new FileError(`cannot lock ${dir}: ${file} keeps changing (another run is starting there?)`, file, "ELOCKED");
  }

  /** Removes the lock file if it is still this process's (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off("exit", this.onExit);
    const held = readLock(this.file);
    if (held?.info && held.info.pid === this.info.pid && held.info.startedAt === this.info.startedAt) rmSync(this.file, { force: true });
  }
}

/** The lock file's content: undefined when there is none, `info` undefined when it cannot be parsed. */
function readLock(file: string): { info: LockInfo | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError(e, file, "reading the run directory's lock");
  }
  try {
    const j = JSON.parse(text) as LockInfo;
    if (Number.isInteger(j.pid) && typeof j.host === "string" && typeof j.startedAt === "string") return { info: j };
  } catch {}
  return { info: undefined };
}
