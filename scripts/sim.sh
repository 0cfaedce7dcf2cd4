#!/usr/bin/env bash
# The deterministic simulation (tests/sim), longer than CI runs it.
#   scripts/sim.sh [SEEDS] [STEPS]     seeds 1..SEEDS (default 200), STEPS each (default 2000)
#   scripts/sim.sh --seed S [STEPS]    replay one seed, printing every step
#   BATON_SIM_FIRST_SEED=N             start at seed N instead of 1
#   BATON_SIM_JOBS=N                   split the seeds over N processes (default 1); a seed
#                                      is mostly waiting on fsync, so 2 per core is fine
# Builds the test first (into build/, as scripts/build.sh does). A failure prints its seed,
# step, the last steps and this script's command to replay it. About 40 s per 2000-step seed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
fi
cmake --build build -j "${BATON_JOBS:-$(nproc)}" --target sim_test >/dev/null
test_binary=build/tests/sim_test
if [ "${1:-}" = "--seed" ]; then
  export BATON_SIM_SEED="${2:?--seed needs a seed}" BATON_SIM_STEPS="${3:-2000}" BATON_SIM_VERBOSE=1
  exec "$test_binary" --gtest_filter='Simulation.Seeds'
fi
seeds="${1:-200}"
export BATON_SIM_STEPS="${2:-2000}"
first="${BATON_SIM_FIRST_SEED:-1}"
jobs="${BATON_SIM_JOBS:-1}"
[ "$jobs" -gt "$seeds" ] && jobs="$seeds"
out_dir="$(mktemp -d /tmp/baton-sim-XXXXXX)"
trap 'rm -rf "$out_dir"' EXIT
pids=()
for ((j = 0; j < jobs; j++)); do
  # Seeds first+j*size .. (the last slice takes the rest).
  size=$((seeds / jobs))
  count=$size
  [ "$j" -eq $((jobs - 1)) ] && count=$((seeds - size * (jobs - 1)))
  BATON_SIM_FIRST_SEED=$((first + j * size)) BATON_SIM_SEEDS=$count \
    "$test_binary" --gtest_filter='Simulation.Seeds' >"$out_dir/$j.log" 2>&1 &
  pids+=($!)
done
status=0
for ((j = 0; j < jobs; j++)); do
  wait "${pids[$j]}" || status=1
  cat "$out_dir/$j.log"
done
exit $status
