#!/usr/bin/env bash
# bench/timers.sh — the scheduler at scale (issue 4), in one command (bench/README.md).
#
# Seeds a workspace with BENCH_HANDOFFS open handoffs, each with an armed timer, through the
# real Store; BENCH_DUE of them fall due within the same minute. Then it starts the real
# `baton serve` on it and reports
#   - start-up time (exec to "listening") and RSS, beside an empty workspace's in this run;
#   - how late each of the due timers fired (p50, p99, max), read back from the database
#     (timers.fired_ms - timers.due_ms), and how many fired at all;
#   - RSS after the minute.
# It measures; it does not judge. It exits non-zero only when it cannot run or when a due
# timer did not fire exactly once.
#
# Settings (environment): BENCH_HANDOFFS=1000000, BENCH_DUE=10000, BENCH_BUILD_DIR=build.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${BENCH_HANDOFFS:-1000000}
due=${BENCH_DUE:-10000}
build_dir=${BENCH_BUILD_DIR:-build}
say() { printf '%s\n' "$*" >&2; }

scripts/deps.sh
command -v sqlite3 >/dev/null || { say "timers.sh: sqlite3 is missing"; exit 1; }
[ -f "$build_dir/build.ninja" ] || cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "${BATON_JOBS:-$(nproc)}" --target baton baton_seed_timers >/dev/null
baton="$build_dir/src/app/baton"
seed="$build_dir/bench/baton_seed_timers"
work="$build_dir/bench-timers"
rm -rf "$work"
mkdir -p "$work/empty" "$work/full"

# start_server DIR: starts baton serve on DIR's workspace; sets pid, startup_ms and rss_kib.
start_server() {
  local dir=$1 out="$1/serve.out"
  local t0 t1
  t0=$(date +%s%N)
  "$baton" --workspace "$dir" serve --listen 127.0.0.1:0 --quiet >"$out" 2>"$dir/serve.err" &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q "listening" "$out" 2>/dev/null && break
    sleep 0.01
  done
  grep -q "listening" "$out" || { say "timers.sh: baton serve did not start: $(cat "$dir/serve.err")"; kill "$pid"; exit 1; }
  t1=$(date +%s%N)
  startup_ms=$(( (t1 - t0) / 1000000 ))
  rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
}
stop_server() { kill -TERM "$pid"; wait "$pid" || true; }

"$baton" init "$work/empty" >/dev/null
start_server "$work/empty"
empty_startup_ms=$startup_ms; empty_rss_kib=$rss_kib
stop_server

say "seeding $count handoffs ($due due in one minute)..."
"$seed" "$work/full/baton.db" "$count" "$due" >&2
# Spread the due timers over one minute, starting 20 s from now.
first_ms=$(( $(date +%s%3N) + 20000 ))
sqlite3 "$work/full/baton.db" \
  "UPDATE timers SET due_ms = $first_ms + (id * 7919) % 60000 WHERE kind = 'accept_due';"
start_server "$work/full"
full_startup_ms=$startup_ms; full_rss_kib=$rss_kib
# Wait for the minute to pass, and a few seconds more.
now_ms=$(date +%s%3N)
sleep $(( (first_ms + 60000 - now_ms) / 1000 + 5 ))
after_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
stop_server

read -r fired p50 p99 max < <(sqlite3 -separator ' ' "$work/full/baton.db" "
  WITH lag AS (SELECT fired_ms - due_ms AS ms, ROW_NUMBER() OVER (ORDER BY fired_ms - due_ms) AS n,
                      COUNT(*) OVER () AS total
               FROM timers WHERE kind = 'accept_due' AND fired_ms IS NOT NULL)
  SELECT MAX(total),
         MAX(CASE WHEN n = (total + 1) / 2 THEN ms END),
         MAX(CASE WHEN n = (total * 99 + 99) / 100 THEN ms END),
         MAX(ms) FROM lag;")
overdue=$(sqlite3 "$work/full/baton.db" "SELECT COUNT(*) FROM timeline WHERE kind = 'overdue';")

printf '\n%-28s %12s %12s\n' "" "empty" "$count handoffs"
printf '%-28s %12s %12s\n' "start-up (exec to listening)" "${empty_startup_ms} ms" "${full_startup_ms} ms"
printf '%-28s %12s %12s\n' "RSS after start-up" "$((empty_rss_kib / 1024)) MiB" "$((full_rss_kib / 1024)) MiB"
printf '%-28s %12s %12s\n' "RSS after the minute" "" "$((after_rss_kib / 1024)) MiB"
printf '\n%s of %s due timers fired; lag p50 %s ms, p99 %s ms, max %s ms; %s overdue entries\n' \
  "$fired" "$due" "$p50" "$p99" "$max" "$overdue"
printf 'load: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
[ "$fired" = "$due" ] && [ "$overdue" = "$due" ] || { say "timers.sh: expected $due timers to fire once each"; exit 1; }
