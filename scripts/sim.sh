#!/usr/bin/env bash
# The deterministic simulation (tests/sim), longer than CI runs it.
#   scripts/sim.sh [SEEDS] [STEPS]        seeds 1..SEEDS (default 200), STEPS each (default 2000)
#   scripts/sim.sh --seed S [STEPS]       replay one seed, printing every step
#   BATON_SIM_FIRST_SEED=N                start at seed N instead of 1
# Builds the test first (into build/, as scripts/build.sh does). A failure prints its seed,
# step, the last steps and this script's command to replay it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
fi
cmake --build build -j "${BATON_JOBS:-$(nproc)}" --target sim_test >/dev/null
if [ "${1:-}" = "--seed" ]; then
  export BATON_SIM_SEED="${2:?--seed needs a seed}" BATON_SIM_STEPS="${3:-2000}" BATON_SIM_VERBOSE=1
else
  export BATON_SIM_SEEDS="${1:-200}" BATON_SIM_STEPS="${2:-2000}"
fi
exec build/tests/sim_test --gtest_filter='Simulation.*'
