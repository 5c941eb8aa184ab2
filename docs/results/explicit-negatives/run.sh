#!/bin/sh
# Explicit negatives: implicitrm vs naive with a thumbs-down probability t for acted-on bad rows
# (t = 0: none, today's protocol), 3 seeds, --sampling full, budget settings --epochs 30 --patience 10.
# Run from the repository root after `npm run setup`.
set -e
OUT=docs/results/explicit-negatives
UF=../shared/data/ultrafeedback_binarized_subset/ultrafeedback_binarized_subset.jsonl
for DS in synthetic ultrafeedback; do
  if [ $DS = synthetic ]; then DATA="--data synthetic"; else DATA="--data $UF --rating-field uf_score --encoder hashing"; fi
  for T in 0 0.05 0.1 0.25 0.5; do
    node apps/cli/dist/bin.js bench $DATA --methods implicitrm,naive --seeds 3 --sampling full --epochs 30 --patience 10 \
      --thumbs-down $T --quiet --out $OUT/$DS-t$T.json > /dev/null
  done
done
node $OUT/summarise.mjs > $OUT/summary.md
