#!/bin/sh
# The identifiability evidence (issue 9): presentation share w x activity-head setups x 3 seeds, on the
# synthetic default and on the UltraFeedback (binarized) subset with the hashing encoder.
# Run from the repository root after `node scripts/pnpm.mjs exec turbo run build`; then
# `node docs/results/identifiability/summarise.mjs` writes summary.{json,md} and redraws the SVGs.
# Budget settings for a shared 2-core machine (the toolkit defaults are 256,64 / 200 epochs / patience 20):
# --hidden 64,16 --epochs 60 --patience 8. The main sweeps and the ablations use --sampling full (every
# row once per epoch, for every method), so that no method's calibration depends on how it undoes the
# positives+k resampling; the positives-k sweeps measure exactly that, at the toolkit's default sampling.
set -eu
OUT=docs/results/identifiability
UF=../shared/data/ultrafeedback_binarized_subset/ultrafeedback_binarized_subset.jsonl
COMMON="--seeds 3 --hidden 64,16 --epochs 60 --patience 8 --backend auto --quiet"
MAIN="symmetric=implicitrm:activityInputs=content,context-fed=implicitrm:activityInputs=context,context+prior=implicitrm:activityInputs=context;activityPrior=oracle@10,prior-regularised=implicitrm:activityInputs=content;activityHead=linear;activityWeightDecay=1e-5;activityPrior=oracle@10,naive,ips-oracle=ips:propensity=oracle,ips-estimated=ips:propensity=estimated,oracle"
ABLATION="context-linear=implicitrm:activityInputs=context;activityHead=linear,both=implicitrm:activityInputs=both,prior-mlp=implicitrm:activityInputs=content;activityPrior=oracle@10,prior-scalar=implicitrm:activityHead=scalar;activityPrior=oracle@10,prior-linear-w1=implicitrm:activityInputs=content;activityHead=linear;activityWeightDecay=1e-5;activityPrior=oracle@1,prior-linear-w100=implicitrm:activityInputs=content;activityHead=linear;activityWeightDecay=1e-5;activityPrior=oracle@100"
POSK="context-fed=implicitrm:activityInputs=context,context-unweighted=implicitrm:activityInputs=context;sampleWeights=none,symmetric=implicitrm:activityInputs=content,symmetric-unweighted=implicitrm:activityInputs=content;sampleWeights=none,naive"

for DS in synthetic uf; do
  if [ $DS = synthetic ]; then DATA="--data synthetic"; NAME=synthetic; else DATA="--data $UF --rating-field uf_score --encoder hashing"; NAME=ultrafeedback; fi
  node apps/cli/dist/bin.js bench $DATA --methods "$MAIN" --presentation-sweep 0,0.25,0.5,0.75,1 --sampling full $COMMON \
    --out $OUT/$NAME.json
  node apps/cli/dist/bin.js bench $DATA --methods "$ABLATION" --presentation-sweep 0,0.5,1 --sampling full $COMMON \
    --out $OUT/$NAME-ablation.json
  node apps/cli/dist/bin.js bench $DATA --methods "$POSK" --presentation-sweep 0,0.5,1 --sampling positives+k $COMMON \
    --out $OUT/$NAME-positives-k.json
done

# The README's demo table at the toolkit's default settings (MLP 256→64, 200 epochs, patience 20,
# positives+k): the new defaults against the setup before this change ("before").
node apps/cli/dist/bin.js bench --data synthetic --methods "implicitrm,before=implicitrm:activityInputs=content;sampleWeights=none,naive,oracle" \
  --seeds 3 --out $OUT/defaults-demo.json
