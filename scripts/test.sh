#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build with assertions
# on, and run every test — unit, integration and end-to-end — through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j "${BATON_TEST_JOBS:-2}" "$@"
