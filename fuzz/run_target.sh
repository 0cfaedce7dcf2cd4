#!/usr/bin/env bash
# Runs one fuzz target over its checked-in inputs, then fuzzes on:
#   run_target.sh BINARY FUZZ_DIR NAME WORK_DIR [libFuzzer options...]
# New inputs and any crash go to WORK_DIR/NAME (in the build tree), never to FUZZ_DIR, so
# a run does not change the checked-in corpus. libFuzzer first executes every input of
# corpus/NAME and regressions/NAME (a regression that crashes again fails here).
set -euo pipefail
binary=$1 fuzz_dir=$2 name=$3 work=$4
shift 4
mkdir -p "$work/$name/new" "$work/$name/artifacts"
inputs=("$fuzz_dir/corpus/$name")
[ -d "$fuzz_dir/regressions/$name" ] && inputs+=("$fuzz_dir/regressions/$name")
exec "$binary" -artifact_prefix="$work/$name/artifacts/" -print_final_stats=1 \
  "$@" "$work/$name/new" "${inputs[@]}"
