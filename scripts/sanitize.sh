#!/usr/bin/env bash
# Builds Baton with a sanitizer into its own directory and runs tests under it:
#   scripts/sanitize.sh asan [CTEST_ARGS...]   AddressSanitizer + UndefinedBehaviorSanitizer
#                                              (build-asan/): the whole CTest suite
#   scripts/sanitize.sh tsan [CTEST_ARGS...]   ThreadSanitizer (build-tsan/): the tests
#                                              labelled `concurrency` (tests/CMakeLists.txt)
# Any finding stops the process that made it (halt_on_error, -fno-sanitize-recover=all):
# a test binary fails, and a `baton serve` that a test started dies, failing that test.
# Extra arguments go to ctest (e.g. -R EngineTest). BATON_JOBS: build parallelism (default:
# all cores); BATON_TEST_JOBS: ctest parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-}"
shift || true
case "$kind" in
  asan)
    flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
    build_target=all
    ctest_selection=()
    ;;
  tsan)
    flags="-fsanitize=thread"
    build_target=baton_concurrency_tests  # the binary and the concurrency tests only
    ctest_selection=(-L concurrency)
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan|tsan [ctest arguments...]" >&2
    exit 2
    ;;
esac
build="build-$kind"
jobs="${BATON_JOBS:-$(nproc)}"
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$build/build.ninja" ]; then
  # -O1 -g1: about half the compile time of -O2 -g, and enough for symbolised reports.
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_COMPILER=g++ \
    -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1 $flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
    "${launcher[@]}" >/dev/null
fi
started=$SECONDS
cmake --build "$build" -j "$jobs" --target "$build_target"
echo "sanitize: $kind: built $build_target in $((SECONDS - started)) s" >&2

supp="$PWD/scripts/sanitizers"
asan="halt_on_error=1:detect_leaks=1:strict_string_checks=1"
export ASAN_OPTIONS="$asan:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp"
cd "$build"
echo "sanitize: $kind: ctest ${ctest_selection[*]:-(every test)} $*" >&2
started=$SECONDS
status=0
ctest --output-on-failure --timeout 900 -j "${BATON_TEST_JOBS:-2}" "${ctest_selection[@]}" "$@" ||
  status=$?
echo "sanitize: $kind: tests ran in $((SECONDS - started)) s" >&2
exit $status
