#!/usr/bin/env bash
# The README's second command (and CI's, through .ci/run): install what is missing, build,
# and run every test through CTest — the stages of docs/reliability.md. Each stage builds
# its own tree:
#   fresh  scripts/fresh-machine.sh: the README's first command on a fresh debootstrap root
#          (timed), this script's install step there, and the .deb installed in a second root
#   asan   scripts/sanitize.sh asan: the whole suite (unit, integration, e2e, browser, ...)
#          under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   tsan   scripts/sanitize.sh tsan: the tests labelled concurrency under ThreadSanitizer
#          (build-tsan/)
#   fuzz   scripts/fuzz.sh --ci: each libFuzzer target over its corpus and regressions,
#          then a fixed number of new inputs (build-fuzz/, clang)
#   main   scripts/build.sh, then every test of build/ without sanitizers
# The default is `fresh asan tsan fuzz`: the fresh-machine check proves the install steps
# and the package, the whole suite runs once, under ASan + UBSan, and the concurrency tests
# again under TSan. `main` runs the same tests as `asan` on the plain
# build, about 2.6 times faster and without the sanitizers' checks: it is the quick loop
# while working (`scripts/test.sh -R Engine`), not a CI stage (a fourth full build would
# not fit CI's time; measured in docs/reliability.md, "CI time"). BATON_CI_STAGES picks
# the stages. Arguments go to the main suite's ctest, e.g. `scripts/test.sh -L unit`;
# given arguments, only `main` runs unless BATON_CI_STAGES is set. Every stage runs even
# if an earlier one failed; the summary at the end says what ran, how long it took and how
# it went, and which stages did not run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

if [ -n "${BATON_CI_STAGES:-}" ]; then
  stages=($BATON_CI_STAGES)
elif [ $# -gt 0 ]; then
  stages=(main)
else
  stages=(fresh asan tsan fuzz)
fi

# Called after `||`, where set -e does not apply: each step checks its own status.
main_suite() {
  scripts/build.sh || return $?
  (cd build && ctest --output-on-failure --timeout 600 -j "${BATON_TEST_JOBS:-2}" "$@")
}

echo "test.sh: stages to run: ${stages[*]}" >&2
summary=()
failed=0
for stage in fresh asan tsan fuzz main; do
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
    fresh) scripts/fresh-machine.sh || status=$? ;;
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
