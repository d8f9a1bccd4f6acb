#!/bin/bash
for round in 1 2 3; do
  for k in max avg gap; do
    node pooltime.js ${k}_alone.onnx 30 0
    node pooltime.js ${k}_alone.onnx 30 64
    node pooltime.js ${k}_chain.onnx 30 0
  done
done
