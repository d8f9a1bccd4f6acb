#!/bin/bash
for round in 1 2 3; do
  for m in gap_alone gap_chain gapse_1344_alone gapse_1344_conv1 gapse_336_alone gapse_336_conv1 avg_alone avg_chain max_alone max_chain; do
    node pooltime.js $m.onnx 30 0
  done
done
