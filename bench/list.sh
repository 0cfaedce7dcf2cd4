#!/usr/bin/env bash
# bench/list.sh — the filtered list endpoint with 100,000 stored handoffs (issue 5, "Speed"),
# in one command (bench/README.md).
#
# Seeds a fresh workspace (`baton init`, the example playbooks) with BENCH_HANDOFFS handoffs
# through the real Store (baton_seed_handoffs, mix "full": a year of history, ~25% open, ~10%
# closed in the last 7 days), starts `baton serve` on it, and times GET /v1/handoffs with the
# filters the board uses, and GET /livez — the bare server path — as the baseline of the same
# run. Each is asked BENCH_REQUESTS times on one keep-alive connection, then on
# BENCH_CONCURRENCY connections at once (baton_get_latency, closed loop).
#
# With BENCH_BATON_BEFORE set to another `baton` binary (built from an older commit) the same
# database is measured with it too, first, with the schema put back to version 4 (the index of
# migration 5 dropped): before and after under the same load.
#
# It measures; it does not judge. It exits non-zero only when it cannot run or a request is
# answered with something other than 200.
#
# Settings (environment): BENCH_HANDOFFS=100000, BENCH_REQUESTS=1000, BENCH_CONCURRENCY=4,
# BENCH_BEFORE_REQUESTS=200, BENCH_BUILD_DIR=build, BENCH_BATON (use this binary),
# BENCH_BATON_BEFORE, BATON_JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${BENCH_HANDOFFS:-100000}
requests=${BENCH_REQUESTS:-1000}
concurrency=${BENCH_CONCURRENCY:-4}
before_requests=${BENCH_BEFORE_REQUESTS:-200}
build_dir=${BENCH_BUILD_DIR:-build}
jobs=${BATON_JOBS:-$(nproc)}
say() { printf '%s\n' "$*" >&2; }
die() { say "list.sh: $*"; exit 1; }

command -v sqlite3 >/dev/null || die "sqlite3 is missing"
[ -f "$build_dir/build.ninja" ] ||
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(baton_seed_handoffs baton_get_latency)
[ -n "${BENCH_BATON:-}" ] || targets+=(baton)
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}" >&2
baton=$(realpath "${BENCH_BATON:-$build_dir/src/app/baton}")
seed=$build_dir/bench/baton_seed_handoffs
latency=$build_dir/bench/baton_get_latency

tmp=$(mktemp -d "${TMPDIR:-/tmp}/baton-list.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ws=$tmp/ws
"$baton" init "$ws" >/dev/null
say "seeding $count handoffs..."
"$seed" "$ws/baton.db" "$count" full >&2
token=$("$baton" --workspace "$ws" --json token create ari |
  sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
[ -n "$token" ] || die "no token from baton token create"
say "$(sqlite3 "$ws/baton.db" "SELECT group_concat(state || ' ' || n, ', ') FROM
  (SELECT state, COUNT(*) AS n FROM handoffs GROUP BY state ORDER BY state)")"

# start_server BINARY DB_DIR: sets server_pid and port.
start_server() {
  "$1" --workspace "$2" serve --listen 127.0.0.1:0 --quiet --rate-limit 0 \
    >"$2/serve.out" 2>"$2/serve.err" &
  server_pid=$!
  for _ in $(seq 1 300); do
    grep -q "listening" "$2/serve.out" 2>/dev/null && break
    sleep 0.1
  done
  port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$2/serve.out")
  [ -n "$port" ] || die "baton serve did not start: $(cat "$2/serve.err")"
}
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

field() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
hz=$(getconf CLK_TCK)
load1() { cut -d' ' -f1 /proc/loadavg; }

since=$(date -u -d '7 days ago' +%Y-%m-%dT%H:%M:%SZ)
paths=(
  "/livez"
  "/v1/handoffs?state=waiting&limit=1000"
  "/v1/handoffs?state=accepted&limit=1000"
  "/v1/handoffs?state=done&closed_since=$since&limit=1000"
  "/v1/handoffs?state=waiting&view=card&limit=1000"
  "/v1/handoffs?state=accepted&view=card&limit=1000"
  "/v1/handoffs?state=done&closed_since=$since&view=card&limit=1000"
  "/v1/handoffs?state=waiting&view=card&limit=5000"
  "/v1/handoffs?state=waiting&view=card&order=desc&limit=200"
  "/v1/handoffs?owner=dana"
  "/v1/handoffs?team=ops"
  "/v1/handoffs?q=acme"
  "/v1/handoffs?overdue=true"
  "/v1/handoffs?playbook=kickoff-prep"
)

rows=()
# measure LABEL N: every path, sequential and concurrent, against the running server.
measure() {
  local label=$1 n=$2 base_p99=() path conns res cpu0 cpu1 cpu_ms ratio load items
  for conns in 1 "$concurrency"; do
    for path in "${paths[@]}"; do
      # The card view is newer than binaries from before it.
      if [ "$label" = before ] && [[ $path == *view=card* ]]; then continue; fi
      load=$(load1)
      cpu0=$(cpu_ticks)
      res=$("$latency" --port "$port" --token "$token" --path "$path" --requests "$n" \
        --connections "$conns" --warmup 20) || die "baton_get_latency failed on $path"
      cpu1=$(cpu_ticks)
      [ "$(field "$res" other)" = 0 ] || die "non-200 answers on $path: $res"
      cpu_ms=$(awk -v t="$((cpu1 - cpu0))" -v hz="$hz" -v n="$((n + 20))" \
        'BEGIN{printf "%.1f", 1000 * t / hz / n}')
      if [ "$path" = /livez ]; then
        base_p99[$conns]=$(field "$res" p99_ms)
        ratio="1"
        items="—"
      else
        ratio=$(awk -v a="$(field "$res" p99_ms)" -v b="${base_p99[$conns]}" \
          'BEGIN{printf "%.0f", (b > 0) ? a / b : 0}')
        items=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" |
          grep -o '"id":[0-9]*,"overdue' | wc -l)
      fi
      say "  $label c=$conns $path: $res (server CPU ${cpu_ms} ms/request, load $load)"
      rows+=("| $label | \`${path/$since/<7 days ago>}\` | $items | $(( $(field "$res" bytes) / 1024 )) | $conns | $(field "$res" p50_ms) | $(field "$res" p90_ms) | $(field "$res" p99_ms) | $(field "$res" max_ms) | $cpu_ms | ${ratio}x | $load |")
    done
  done
}

say ""
say "Baton list benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_BATON_BEFORE:-}" ]; then
  # The same rows, on the schema the older binary knows.
  mkdir -p "$tmp/before"
  cp -r "$ws/." "$tmp/before/"
  sqlite3 "$tmp/before/baton.db" "DROP INDEX IF EXISTS handoffs_by_owner_id; PRAGMA user_version = 4;"
  start_server "$(realpath "$BENCH_BATON_BEFORE")" "$tmp/before"
  say "before ($BENCH_BATON_BEFORE), $before_requests requests each:"
  measure before "$before_requests"
  stop_server
fi
start_server "$baton" "$ws"
say "after ($baton), $requests requests each:"
measure after "$requests"
stop_server
say "done: load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo ""
echo "| build | request | items | KiB | connections | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/request | p99 / livez p99 | load (1 min) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
