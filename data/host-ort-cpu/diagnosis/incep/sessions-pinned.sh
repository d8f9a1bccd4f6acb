#!/bin/bash
# task incep diagnosis: CPU time per session, pinned to each vCPU
R=/tmp/incep/pl/reference/models/00000.onnx
for cpu in 0 1 0 1; do
  for m in /tmp/incep/pl/net/inception_v3.onnx /tmp/incep/pl/net/regnet_y_1_6gf.onnx /tmp/incep/sA/models/00000.onnx /tmp/incep/sB/models/00000.onnx; do
    echo "cpu $cpu $(basename $(dirname $(dirname $m)))/$(basename $m)"
    taskset -c $cpu node /tmp/incep/sessions.js $m 3 10 - $R
  done
done
