#!/usr/bin/env bash
# Installs the Debian bookworm packages Baton needs to build and test, when missing
# (chromium is for the board's browser tests).
# Works as root or through sudo; does nothing when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git python3
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libhowardhinnant-date-dev tzdata
  libsqlite3-dev sqlite3 libpq-dev postgresql libssl-dev libsodium-dev libfmt-dev libspdlog-dev
  libcurl4-openssl-dev python3-aiosmtpd
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
  chromium
  # scripts/fuzz.sh: clang with libFuzzer and its sanitizer runtimes (g++'s ASan, UBSan and
  # TSan runtimes for scripts/sanitize.sh come with build-essential).
  clang libclang-rt-14-dev
)
# The board is built with Node.js and npm (web/): Debian's when none is on PATH already
# (Debian bookworm's Node 18 runs the pinned esbuild, TypeScript and playwright-core).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
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
    echo "baton: missing packages (${missing[*]}) and neither root nor sudo to install them" >&2
    exit 1
  fi
fi
echo "baton: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
