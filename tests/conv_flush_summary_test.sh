#!/usr/bin/env bash
# tools/ort/conv_flush_summary.py (helper convflush): per layer, the median over invocations of
# lone/chain - 1 with 64 and 256 MiB written and of lone256/lone64 - 1, on hand-made timings:
# layer 0 in the chain 10 and 12 ms, alone with 64 MiB 9 and 12 ms, with 256 MiB 10.5 and 12.6 ms
# -> e64 -10% and 0% (median -5.0%), e256 +5% and +5%, d +16.7% and +5% (median +10.8%).
# Bad input: a short error and exit 2. Never times anything.
#
# usage: conv_flush_summary_test.sh SOURCE_DIR WORK_DIR
set -u
src=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
die() { echo "conv_flush_summary: FAIL: $*"; exit 1; }
h=invocation,seed,utc,round,chain,layer,condition,flush_mb,weights_mb,gflop,median_ms,p10_ms,p90_ms,runs,others
{
  echo "$h"
  for i in 0 1; do
    c=$([ $i = 0 ] && echo 10 || echo 12); a=$([ $i = 0 ] && echo 9 || echo 12); b=$([ $i = 0 ] && echo 10.5 || echo 12.6)
    echo "$i,1,t,0,ch,0,chain,64,9.44,1.7,99,$c,99,10,0"
    echo "$i,1,t,0,ch,0,lone,64,9.44,1.7,99,$a,99,10,0"
    echo "$i,1,t,0,ch,0,lone,256,9.44,1.7,99,$b,99,10,0"
  done
} >"$work/t.csv"
/usr/bin/python3 "$src/tools/ort/conv_flush_summary.py" "$work/t.csv" >"$work/out" 2>"$work/err" || die "$(cat "$work/err")"
grep -qF '| ch | 0 | 9.44 | 1.7 | 11.00 | -5.0% [-10.0, +0.0] | +5.0% [+5.0, +5.0] | +10.8% [+5.0, +16.7] | 2 |' "$work/out" ||
  die "unexpected summary: $(cat "$work/out")"
# median_ms: 99 everywhere -> 0%
/usr/bin/python3 "$src/tools/ort/conv_flush_summary.py" "$work/t.csv" median_ms | grep -qF '| +0.0% [+0.0, +0.0] | +0.0% [+0.0, +0.0] | +0.0% [+0.0, +0.0] | 2 |' ||
  die "median_ms column not used"
for bad in "$work/missing.csv" "$work/t.csv nosuchcolumn"; do
  # shellcheck disable=SC2086
  if /usr/bin/python3 "$src/tools/ort/conv_flush_summary.py" $bad >/dev/null 2>"$work/err"; then die "accepted $bad"; fi
  [ "$(wc -l <"$work/err")" -le 3 ] || die "error longer than 3 lines for $bad"
done
echo "conv_flush_summary: ok"
