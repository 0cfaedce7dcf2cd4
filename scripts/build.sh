#!/usr/bin/env bash
# Configures and builds Baton. Two trees:
#   scripts/build.sh        build/: RelWithDebInfo, every test and tool (what the tests use)
#   scripts/build.sh run    build-run/: Release without debug information, the `baton`
#                           binary and the board only (what scripts/run.sh and the .deb use;
#                           no test framework needed, about half the compile time)
# Assertions stay on in both (CMakeLists.txt). BATON_JOBS: parallelism (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-test}"
jobs="${BATON_JOBS:-$(nproc)}"
launcher=()
# Paths relative to the checkout, so that ccache hits across clones and worktrees.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
case "$kind" in
  test)
    tree=build
    config=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
    targets=()
    ;;
  run)
    tree=build-run
    config=(-DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DBATON_PCH=ON)
    targets=(--target baton)
    ;;
  *)
    echo "baton: scripts/build.sh takes \`run\` or \`test\`, not \`$kind\`" >&2
    exit 2
    ;;
esac
if [ ! -f "$tree/build.ninja" ]; then
  mkdir -p "$tree"
  if ! cmake -S . -B "$tree" -G Ninja "${config[@]}" "${launcher[@]}" >"$tree/configure.log" 2>&1
  then
    cat "$tree/configure.log" >&2
    echo "baton: CMake could not configure $tree (its message is above); scripts/deps.sh" \
      "installs what Baton needs: run it, or ./scripts/run.sh, first" >&2
    exit 1
  fi
fi
cmake --build "$tree" -j "$jobs" "${targets[@]}"
