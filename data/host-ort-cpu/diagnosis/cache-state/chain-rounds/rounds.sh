#!/bin/bash
# Chains the networks' way: run.js rounds between sweep rows (rounds.sh) / the cache step's way (cache.sh). Usage: SCRIPT K; WORK = /tmp/cal24 (run 24's), outputs in /tmp/chainrounds.
set -e
cd "$(dirname "$0")/../../../../.."  # the repository root
K=$1
W=/tmp/cal24
FLUSH_ACT=()
for act in Relu Clip Sigmoid HardSigmoid HardSwish; do FLUSH_ACT+=(--flush-op "Conv$act" --flush-op "DepthwiseConv$act"); done
date -u +"start rounds %T" 
node tools/ort/run.js --sweep $W/sweeps/census_dwconv --threads 1 --passes 2 --overhead-model $W/sweeps/empty/models/00000.onnx \
  --node-bias 0 --min-ms 0.002 --max-wait 30 --network-min-time 20 --max-time 1000 --min-time 50 \
  --flush-mb 64 --flush-op Conv --flush-op DepthwiseConv --flush-op Gemm --flush-op Conv1d --flush-op DepthwiseConv1d "${FLUSH_ACT[@]}" \
  --flush-large-mb 256 --flush-large-above-mb 8 --warm-max-mb 8 \
  --reference $W/sweeps/reference/models/00000.onnx --out /tmp/chainrounds/sweeps$K.csv \
  --feeds data/host-ort-cpu/phase2/feeds.txt --network $W/irchains/*.onnx --rounds 5 --network-repeats 2 --network-warmup 1 \
  --network-out /tmp/chainrounds/networks$K.csv 2>/tmp/chainrounds/run$K.log
