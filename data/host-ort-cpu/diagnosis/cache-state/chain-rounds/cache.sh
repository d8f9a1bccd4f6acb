#!/bin/bash
# Chains the networks' way: run.js rounds between sweep rows (rounds.sh) / the cache step's way (cache.sh). Usage: SCRIPT K; WORK = /tmp/cal24 (run 24's), outputs in /tmp/chainrounds.
set -e
cd "$(dirname "$0")/../../../../.."  # the repository root
K=$1
W=/tmp/cal24
date -u +"start cache %T"
node tools/ort/cache_state.js --out /tmp/chainrounds/cache$K.csv --threads 1 --passes 2 --warmup 3 \
    --repeats 10 --min-ms 30 --tries 3 --max-wait 30 $W/irchains/*.onnx 2>/tmp/chainrounds/cache$K.log
date -u +"end %T"
