import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileError } from "../errors.js";
import { fsyncDirSync, pidAlive, removeStaleTemps, replaceDirSync, writeDirAtomic, writeFileAtomic, writeFileAtomicSync } from "./files.js";

const fresh = () => mkdtempSync(join(tmpdir(), "irm-files-"));

describe("atomic files", () => {
  it("writes files whole and leaves no temporary file", async () => {
    const dir = fresh();
    await writeFileAtomic(join(dir, "a", "x.txt"), "one");
    writeFileAtomicSync(join(dir, "a", "x.txt"), "two");
    expect(readFileSync(join(dir, "a", "x.txt"), "utf8")).toBe("two");
    expect(readdirSync(join(dir, "a"))).toEqual(["x.txt"]);
  });
  it("replaces a directory only once the new one is complete, and keeps the old one when filling fails", async () => {
    const dir = fresh();
    const out = join(dir, "out");
    await writeDirAtomic(out, async (tmp) => writeFileSync(join(tmp, "m.json"), "1"));
    await expect(
      writeDirAtomic(out, async (tmp) => {
        writeFileSync(join(tmp, "m.json"), "2");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(readFileSync(join(out, "m.json"), "utf8")).toBe("1");
    expect(readdirSync(dir)).toEqual(["out"]);
    const tmp = join(dir, "next");
    mkdirSync(tmp);
    writeFileSync(join(tmp, "m.json"), "3");
    expect(() => replaceDirSync(tmp, out, { overwrite: false })).toThrow(/already exists/);
    replaceDirSync(tmp, out);
    expect(readFileSync(join(out, "m.json"), "utf8")).toBe("3");
    expect(existsSync(tmp)).toBe(false);
  });
  it("keeps the old directory when its replacement cannot be moved into place", () => {
    const dir = fresh();
    const out = join(dir, "out");
    mkdirSync(out);
    writeFileSync(join(out, "m.json"), "old");
    // The replacement does not exist, so moving it into place fails after the old one moved aside.
    expect(() => replaceDirSync(join(dir, "missing"), out)).toThrow(FileError);
    expect(readFileSync(join(out, "m.json"), "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["out"]);
  });
  it("reports a file-system failure as a FileError naming the path", async () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits; a path through a regular file fails for everyone
      const dir = fresh();
      writeFileSync(join(dir, "file"), "x");
      const e = await writeFileAtomic(join(dir, "file", "y.txt"), "z", "writing the model").catch((err: unknown) => err);
      expect(e).toBeInstanceOf(FileError);
      expect((e as Error).message).toMatch(/^writing the model: .*file\/y\.txt: .* \(E[A-Z]+\)$/);
      return;
    }
    const dir = fresh();
    chmodSync(dir, 0o500);
    const e = await writeFileAtomic(join(dir, "y.txt"), "z").catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FileError);
    expect((e as FileError).path).toBe(join(dir, "y.txt"));
  });
});

describe("durability and stale temporaries (issue 15, classes 4 and 13)", () => {
  it("fsyncDirSync syncs a directory and names a missing one in a FileError", () => {
    const dir = fresh();
    expect(() => fsyncDirSync(dir)).not.toThrow();
    const e = (() => {
      try {
        fsyncDirSync(join(dir, "missing"));
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(FileError);
    expect((e as FileError).path).toBe(join(dir, "missing"));
  });
  it("removeStaleTemps removes only our temporaries whose process is gone, files and folders alike", () => {
    const dir = fresh();
    const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
    writeFileSync(join(dir, `.m.json.tmp-${dead}-abc123`), "x");
    mkdirSync(join(dir, `.out.tmp-${dead}-abc123`));
    writeFileSync(join(dir, `.out.tmp-${dead}-abc123`, "f"), "x");
    mkdirSync(join(dir, `.out.tmp-${dead}-abc123.old`));
    writeFileSync(join(dir, `.m.json.tmp-${process.pid}-abc123`), "live");
    writeFileSync(join(dir, "m.json.tmp-1-abc123"), "not ours (no dot)");
    writeFileSync(join(dir, `.m.json.tmp-${dead}-abc123.keep`), "not ours (suffix)");
    expect(removeStaleTemps(dir, "out").sort()).toEqual([join(dir, `.out.tmp-${dead}-abc123`), join(dir, `.out.tmp-${dead}-abc123.old`)]);
    expect(removeStaleTemps(dir)).toEqual([join(dir, `.m.json.tmp-${dead}-abc123`)]);
    expect(readdirSync(dir).sort()).toEqual([`.m.json.tmp-${dead}-abc123.keep`, `.m.json.tmp-${process.pid}-abc123`, "m.json.tmp-1-abc123"].sort());
    expect(removeStaleTemps(join(dir, "missing"))).toEqual([]);
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(dead)).toBe(false);
  });
});
