#!/usr/bin/env bash
# Larger-than-memory training from a feature store (not a test: ~25 min and ~6 GB of disk at the
# defaults). Writes a ROWS × DIM store, trains on it under /usr/bin/time -v (peak RSS), then trains
# again, SIGKILLs that run after the step-1500 checkpoint (plus a random 0–19 s) and resumes it,
# and compares the resumed run's weights with the uninterrupted one's.
#
#   bash bench/feature-store/run.sh [ROWS=2000000] [DIM=768] [DIR=/tmp/irm-bench]
# Needs a build (node scripts/pnpm.mjs exec turbo run build) and /usr/bin/time.
set -euo pipefail
ROWS=${1:-2000000}
DIM=${2:-768}
DIR=${3:-/tmp/irm-bench}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CLI="$REPO/apps/cli/dist/bin.js"
TRAIN=(train --data "$DIR/store" --epochs 2 --backend wasm --checkpoint-every 500)
mkdir -p "$DIR"

echo "== store: $ROWS x $DIM"
/usr/bin/time -v node "$REPO/bench/feature-store/generate.mjs" --out "$DIR/store" --rows "$ROWS" --dim "$DIM" 2> "$DIR/generate.time"
grep -E "Maximum resident|Elapsed" "$DIR/generate.time"
du -sh "$DIR/store"

echo "== uninterrupted training"
rm -rf "$DIR/run-a"
/usr/bin/time -v node "$CLI" "${TRAIN[@]}" --out "$DIR/run-a" > "$DIR/run-a.out" 2> "$DIR/run-a.err"
cat "$DIR/run-a.out"
grep -E "best epoch|Maximum resident|Elapsed|Percent of CPU" "$DIR/run-a.err"

echo "== the same run, SIGKILLed after step 1500, then --resume"
rm -rf "$DIR/run-b"
node "$CLI" "${TRAIN[@]}" --out "$DIR/run-b" --quiet > /dev/null 2> "$DIR/run-b-killed.err" &
PID=$!
until ls "$DIR/run-b/checkpoints" 2> /dev/null | grep -q s0000001500; do sleep 1; done
sleep $((RANDOM % 20))
kill -9 "$PID"
wait "$PID" || echo "killed (exit $?); checkpoints left: $(ls "$DIR/run-b/checkpoints" | tr '\n' ' ')"
/usr/bin/time -v node "$CLI" train --resume "$DIR/run-b" --quiet > "$DIR/run-b.out" 2> "$DIR/run-b.err"
grep -E "Maximum resident|Elapsed" "$DIR/run-b.err"
node -e '
const fs = require("node:fs");
const [a, b] = process.argv.slice(1).map((d) => ({ model: JSON.parse(fs.readFileSync(d + "/model.json")), metrics: JSON.parse(fs.readFileSync(d + "/metrics.json")) }));
const strip = (m) => m.metrics.history.map(({ samplesPerSec, ...r }) => r);
console.log(JSON.stringify({
  bitIdenticalHeads: JSON.stringify(a.model.heads) === JSON.stringify(b.model.heads),
  sameHistory: JSON.stringify(strip(a)) === JSON.stringify(strip(b)),
  sameTestMetrics: JSON.stringify(a.metrics.test) === JSON.stringify(b.metrics.test),
  resumedFrom: b.metrics.checkpoints.resumedFrom,
  test: a.metrics.test && { auroc: a.metrics.test.auroc, nll: a.metrics.test.nll },
}));
' "$DIR/run-a" "$DIR/run-b"
