#!/usr/bin/env bash
# Installs the Debian bookworm packages Baton needs, when missing. Two sets:
#   scripts/deps.sh run    what building and serving needs (the README's first command)
#   scripts/deps.sh test   that, and what the tests need: Node.js and npm to build the board
#                          from source, GoogleTest, PostgreSQL, a real
#                          SMTP server (aiosmtpd), Chromium for the board's browser tests,
#                          clang for the fuzz targets, debootstrap for the fresh-machine check
# (no argument means `test`). Works as root or through sudo; does nothing when everything
# is already there. Every package a build step needs is named here, so that a fresh
# machine meets a missing package in this script's own words, never in CMake's.
set -euo pipefail

set_name="${1:-test}"
run_packages=(
  build-essential cmake ninja-build ccache pkg-config python3 ca-certificates
  file  # cpack: dpkg-shlibdeps reads the binary's libraries for the .deb's Depends
  libboost-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libhowardhinnant-date-dev tzdata
  libsqlite3-dev libpq-dev libssl-dev libsodium-dev libfmt-dev libspdlog-dev
  libcurl4-openssl-dev zlib1g-dev
)
test_packages=(
  git sqlite3 postgresql python3-aiosmtpd
  curl  # tests/docs/readme_tour.py runs the README's curl example
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium
  # scripts/fuzz.sh: clang with libFuzzer and its sanitizer runtimes (g++'s ASan, UBSan and
  # TSan runtimes for scripts/sanitize.sh come with build-essential).
  clang libclang-rt-14-dev
  # scripts/fresh-machine.sh: a minimal bookworm root to prove the README's commands.
  debootstrap
)
case "$set_name" in
  run) packages=("${run_packages[@]}") ;;
  test) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  *)
    echo "baton: scripts/deps.sh takes \`run\` or \`test\`, not \`$set_name\`" >&2
    exit 2
    ;;
esac
# The tests build the board from its sources with Node.js and npm (web/): Debian's when
# none is on PATH already (Debian bookworm's Node 18 runs the pinned esbuild, TypeScript and
# playwright-core). Running needs neither: the run build embeds the committed web/dist.
if [ "$set_name" = test ] &&
  { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "baton: missing packages (${missing[*]}) and neither root nor sudo to install them;" \
      "install them with: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "baton: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  echo "baton: apt-get could not install: ${missing[*]} (see apt's message above)" >&2
  exit 1
fi
