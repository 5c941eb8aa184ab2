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
      const filled = Math.round((rec.epoch / maxEpochs) * width);
      const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
      const line = `${label} ${bar} epoch ${rec.epoch}/${maxEpochs} loss ${rec.train.total?.toFixed(4)} held-out ${rec.selectionLoss.toFixed(4)}${rec.improved ? "*" : " "} ${formatRate(rec.samplesPerSec)} samples/s`;
      if (tty) stream.write(`\r${line}\x1b[K`);
      else if (rec.epoch === 1 || rec.epoch % 10 === 0) stream.write(`${line}\n`);
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
