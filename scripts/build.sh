#!/usr/bin/env bash
# Configures and builds Baton into build/ (RelWithDebInfo, assertions on).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${BATON_JOBS:-$(nproc)}"
launcher=()
# Paths relative to the checkout, so that ccache hits across clones and worktrees.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
fi
cmake --build build -j "$jobs"
