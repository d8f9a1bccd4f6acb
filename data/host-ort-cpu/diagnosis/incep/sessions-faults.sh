#!/bin/bash
R=/tmp/incep/pl/reference/models/00000.onnx
echo sA; node /tmp/incep/sessions.js /tmp/incep/sA/models/00000.onnx 8 10 - $R
echo inception; node /tmp/incep/sessions.js /tmp/incep/pl/net/inception_v3.onnx 6 10 - $R
echo regnet; node /tmp/incep/sessions.js /tmp/incep/pl/net/regnet_y_1_6gf.onnx 4 10 - $R
