#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan+UBSan) into build-fuzz/ and runs each
# for SECONDS_PER_TARGET (default 600): "a longer run is one command".
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   scripts/fuzz.sh --ci      CI: the CTest tests labelled fuzz (each target over its corpus
#                             and regressions, then a fixed 4000 inputs from a fixed seed)
# Each target starts from its checked-in corpus and regressions; what it discovers goes to
# build-fuzz/fuzz/work/<target>/new and any crash to build-fuzz/fuzz/work/<target>/artifacts.
# To keep a crash: copy the input to fuzz/regressions/<target>/, fix the code, add a test.
# Prints, per target, the executions libFuzzer counted (stat::number_of_executed_units).
# BATON_JOBS sets the build's parallelism (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=run
if [ "${1:-}" = --ci ]; then
  mode=ci
  shift
fi
seconds="${1:-600}"
shift || true
jobs="${BATON_JOBS:-$(nproc)}"
build=build-fuzz
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBATON_FUZZ=ON \
    -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" >/dev/null
fi
started=$SECONDS
cmake --build "$build" -j "$jobs" --target baton_fuzzers
echo "fuzz: built the targets in $((SECONDS - started)) s" >&2
if [ "$mode" = ci ]; then
  exec ctest --test-dir "$build" --output-on-failure -j "${BATON_TEST_JOBS:-2}" -L fuzz
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/corpus/*/; do targets+=("$(basename "$f")"); done
fi

failed=()
summary=()
for t in "${targets[@]}"; do
  log="$build/fuzz/work/$t.log"
  mkdir -p "$build/fuzz/work"
  echo "fuzz: $t for ${seconds}s" >&2
  if fuzz/run_target.sh "$build/fuzz/fuzz_$t" fuzz "$t" "$build/fuzz/work" \
      -max_total_time="$seconds" -timeout=10 >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  summary+=("$(printf '%-30s %12s executions  %s' "$t" "${runs:-?}" "$status")")
done

echo "fuzz: ${seconds}s per target"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (see $build/fuzz/work/<target>.log and artifacts/)" >&2
  exit 1
fi
