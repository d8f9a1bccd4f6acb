#!/bin/sh
# Diagnosis (helper frcnn): minor page faults and CPU time of the warm-up run and the next runs,
# one fresh session per network, the validation networks of run 27 (/tmp/cal27/net), under the lock.
#   sh census.sh OUT.jsonl NET...
out=$1; shift
for m in "$@"; do
  printf '{"model":"%s","sessions":' "$m" >> "$out"
  flock /work/notes/timing.lock node "$(dirname "$0")/sessions.js" "/tmp/cal27/net/$m.onnx" 1 2 | tr -d '\n' >> "$out"
  printf '}\n' >> "$out"
done
