/**
 * Training progress on stderr: a redrawn bar on a terminal, one line per few epochs otherwise (CI
 * logs stay short). Shows epoch, the training loss, the selection loss and throughput.
 */
import type { EpochRecord } from "@implicitrm/core";

/** A progress display: one call per epoch, one at the end. */
export interface Progress {
  epoch(record: EpochRecord): void;
  done(message: string): void;
}

/**
 * A progress display for `maxEpochs` epochs labelled `label` on `stream` (default stderr); `quiet`
 * shows nothing.
 */
export function createProgress(label: string, maxEpochs: number, stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const tty = stream.isTTY === true;
  const width = 24;
  return {
    epoch(rec) {
      if (quiet) return;
      const line = `${label} ${bar(rec.epoch / maxEpochs, width)} epoch ${rec.epoch}/${maxEpochs} loss ${rec.train.total?.toFixed(4)} held-out ${rec.selectionLoss.toFixed(4)}${rec.improved ? "*" : " "} ${formatRate(rec.samplesPerSec)} samples/s`;
      if (tty) stream.write(`\r${line}\x1b[K`);
      else if (rec.epoch === 1 || rec.epoch % 10 === 0) stream.write(`${line}\n`);
    },
    done(message) {
      if (quiet) return;
      stream.write(tty ? `\r${message}\x1b[K\n` : `${message}\n`);
    },
  };
}

/** A progress bar `[####....]` of `width` cells, `fraction` in [0, 1] filled. */
function bar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

/** A progress display of work counted in rows: one call per batch, one at the end. */
export interface RowProgress {
  /** `done` rows so far, `fraction` of the input read. */
  update(done: number, fraction: number): void;
  done(message: string): void;
}

/**
 * Row progress labelled `label` on `stream` (default stderr): a redrawn bar with rows and rows/s on a
 * terminal, a line every `every` rows otherwise (default 50,000); `quiet` shows nothing.
 */
export function createRowProgress(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false, every = 50_000): RowProgress {
  const tty = stream.isTTY === true;
  const started = performance.now();
  let next = every;
  return {
    update(done, fraction) {
      if (quiet) return;
      const rate = done / Math.max(1e-3, (performance.now() - started) / 1000);
      const line = `${label} ${bar(fraction, 24)} ${done} rows ${formatRate(rate)} rows/s`;
      if (tty) stream.write(`\r${line}\x1b[K`);
      else if (done >= next) {
        stream.write(`${line}\n`);
        next = done + every;
      }
    },
    done(message) {
      if (quiet) return;
      stream.write(tty ? `\r${message}\x1b[K\n` : `${message}\n`);
    },
  };
}

function formatRate(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0);
}
