# Shared harness of the end-to-end CLI test scripts (cli_test.sh,
# cli_explore_test.sh, cli_partition_test.sh): argument checks, pass/fail
# bookkeeping and the assertions. Source it after `set -u`:
#
#   . "$(dirname "$0")/cli_lib.sh" "$@"    # sets ODONATA, SRC, WORK, MODELS
#
# Each script stops at its first failure.
if [ $# -ne 3 ] || [ -z "$1" ] || [ -z "$2" ] || [ -z "$3" ]; then
  echo "usage: $0 ODONATA_BINARY SOURCE_DIR WORK_DIR" >&2
  exit 2
fi
ODONATA=$1
SRC=$2
WORK=$3
MODELS=$SRC/models
mkdir -p "$WORK" || exit 1
# Use the default search path (the source tree's platforms/), not the caller's.
unset ODONATA_PLATFORMS

passed=0
current=""
rc=0

check() { current=$1; }
fail() {
  echo "FAIL: $current: $*" >&2
  if [ -s "$WORK/stderr" ]; then sed 's/^/  | stderr: /' "$WORK/stderr" | head -n 8 >&2; fi
  echo "$passed passed, 1 failed" >&2
  exit 1
}
ok() {
  passed=$((passed + 1))
  echo "ok $passed - $current"
}

# run WANT_RC ARGS...: run odonata, keep stdout/stderr in $WORK, check the exit code.
run() {
  local want=$1
  shift
  "$ODONATA" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  rc=$?
  [ "$rc" -eq "$want" ] || fail "exit code $rc, expected $want: odonata $*"
}
stderr_has() { grep -qF -- "$1" "$WORK/stderr" || fail "stderr lacks '$1'"; }
stdout_has() { grep -qE -- "$1" "$WORK/stdout" || fail "stdout lacks /$1/"; }
stdout_empty() { [ ! -s "$WORK/stdout" ] || fail "stdout not empty on error (the report alone belongs there)"; }
# An error is one line "odonata: error: ..." (CLI11 usage errors add a help hint).
one_error_line() {
  local lines
  lines=$(wc -l <"$WORK/stderr")
  [ "$lines" -eq 1 ] || fail "expected a one-line error, got $lines lines"
  head -n 1 "$WORK/stderr" | grep -q '^odonata: error: ' || fail "error lacks the 'odonata: error: ' prefix"
}
need_model() {
  [ -f "$MODELS/$1" ] || fail "missing test model $MODELS/$1 (export it with tools/export_models.py)"
}
# py SCRIPT FILE: run a python check on FILE; the script raises on failure.
py() {
  python3 -c "$1" "$2" 2>"$WORK/py_stderr" || fail "$(tail -n 1 "$WORK/py_stderr")"
}

[ -x "$ODONATA" ] || { current="binary"; fail "$ODONATA is not an executable"; }
command -v python3 >/dev/null || { current="python3"; fail "python3 not found"; }
