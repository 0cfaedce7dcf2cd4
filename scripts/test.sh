#!/usr/bin/env bash
# The README's second command (and CI's, through .ci/run): install what is missing, build
# with assertions on, and run every test through CTest — then the reliability stages of
# docs/reliability.md. Each stage builds its own tree:
#   main   scripts/build.sh, then every test of build/ (unit, integration, e2e, ...)
#   fuzz   scripts/fuzz.sh --ci: each libFuzzer target over its corpus and regressions,
#          then a fixed number of new inputs (build-fuzz/, clang)
#   asan   scripts/sanitize.sh asan: the whole suite under ASan + UBSan (build-asan/)
#   tsan   scripts/sanitize.sh tsan: the tests labelled concurrency under TSan (build-tsan/)
# BATON_CI_STAGES picks the stages. The default is `main fuzz`: each stage is a full cold
# build of its own, and all four do not fit CI's 20 minutes on a 2-core machine (measured
# in docs/reliability.md, "CI time"); run the sanitizers as a second CI job with
# BATON_CI_STAGES="asan tsan" scripts/test.sh. Arguments go to the main suite's ctest, e.g.
# `scripts/test.sh -L unit`; given arguments, only `main` runs unless BATON_CI_STAGES is
# set. Every stage runs even if an earlier one failed; the summary at the end says what
# ran, how long it took and how it went, and which stages did not run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

if [ -n "${BATON_CI_STAGES:-}" ]; then
  stages=($BATON_CI_STAGES)
elif [ $# -gt 0 ]; then
  stages=(main)
else
  stages=(main fuzz)
fi

# Called after `||`, where set -e does not apply: each step checks its own status.
main_suite() {
  scripts/build.sh || return $?
  (cd build && ctest --output-on-failure --timeout 600 -j "${BATON_TEST_JOBS:-2}" "$@")
}

echo "test.sh: stages to run: ${stages[*]}" >&2
summary=()
failed=0
for stage in main fuzz asan tsan; do
  if [[ " ${stages[*]} " != *" $stage "* ]]; then
    summary+=("$(printf '%-5s NOT RUN (stages: %s; BATON_CI_STAGES="%s" to run it)' \
      "$stage" "${stages[*]}" "$stage")")
    continue
  fi
  echo "test.sh: stage $stage" >&2
  started=$SECONDS
  status=0
  case "$stage" in
    main) main_suite "$@" || status=$? ;;
    fuzz) scripts/fuzz.sh --ci || status=$? ;;
    asan) scripts/sanitize.sh asan || status=$? ;;
    tsan) scripts/sanitize.sh tsan || status=$? ;;
  esac
  result=passed
  if [ "$status" -ne 0 ]; then
    result="FAILED (exit $status)"
    failed=1
  fi
  summary+=("$(printf '%-5s %-18s %5d s' "$stage" "$result" $((SECONDS - started)))")
done

echo "test.sh: summary"
printf '  %s\n' "${summary[@]}"
exit $failed
