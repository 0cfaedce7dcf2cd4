#!/usr/bin/env bash
# bench/run.sh — Baton's intake benchmark, in one command (bench/README.md).
#
# In one run on this machine, for each connection count it measures
#   (a) the bare-HTTP ceiling: bench/bare_server.cpp (Beast, no work) answering 202, and
#   (b) Baton ingesting durable events (POST /v1/events), each of which creates a handoff,
# with wrk on loopback, and prints both rates, their ratio, and p50/p99. Then it holds a
# fixed rate against Baton with bench/fixed_rate.cpp (open loop) and prints p50/p99/p99.9.
# After every Baton run it checks that the handoffs stored match the 202s answered, so the
# figures are for real durable work. Last, the same wrk runs against PostgreSQL with one node
# and with several nodes on one database (one wrk per node at once; rates summed, the worst
# node's latency), printed beside the SQLite figures.
#
# It measures; it does not judge. It exits non-zero only when it cannot run or when the
# stored handoffs do not match the acknowledged events (a correctness failure, not a
# slow machine).
#
# Settings (environment):
#   BENCH_DURATION=10            seconds per wrk run and for the fixed-rate run
#   BENCH_CONNECTIONS="1 16 64 256"
#   BENCH_FIXED_RATES="1000 5000" events/s of each fixed-rate run ("" skips them); 5000 is
#                                the target's rate, 1000 shows latency below saturation
#   BENCH_FIXED_CONNECTIONS=64
#   BENCH_WORKERS=64             baton serve --workers
#   BENCH_BUILD_DIR=build        where the bench tools are built; "build" also builds Baton
#                                with scripts/build.sh, any other directory is configured
#                                and built here (Baton included) unless BENCH_BATON is set
#   BENCH_BATON=path             use this baton binary instead of building one
#   BENCH_PG_NODES="1 2"         then the same wrk runs against PostgreSQL (a throw-away
#                                server, scripts/pg_cluster.sh, with fsync on), served by
#                                each of these numbers of `baton serve` nodes on one database,
#                                wrk split evenly across them ("" skips PostgreSQL)
#   BATON_JOBS                   compile jobs (scripts/build.sh); default nproc
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

duration=${BENCH_DURATION:-10}
connection_counts=${BENCH_CONNECTIONS:-"1 16 64 256"}
fixed_rates=${BENCH_FIXED_RATES-"1000 5000"}
fixed_connections=${BENCH_FIXED_CONNECTIONS:-64}
workers=${BENCH_WORKERS:-64}
build_dir=${BENCH_BUILD_DIR:-build}
jobs=${BATON_JOBS:-$(nproc)}

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

# --- tools -----------------------------------------------------------------------------
need_packages=()
command -v wrk >/dev/null 2>&1 || need_packages+=(wrk)
command -v curl >/dev/null 2>&1 || need_packages+=(curl)
if [ ${#need_packages[@]} -gt 0 ]; then
  say "bench: installing ${need_packages[*]} (apt-get)"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y "${need_packages[@]}" >/dev/null 2>&1 ||
    { "${sudo_cmd[@]}" apt-get update >/dev/null && "${sudo_cmd[@]}" apt-get install -y "${need_packages[@]}" >/dev/null; } ||
    die "cannot install ${need_packages[*]}"
fi

# --- build -----------------------------------------------------------------------------
if [ "$build_dir" = build ]; then
  BATON_JOBS=$jobs scripts/build.sh >&2  # stdout carries only the result tables
else
  if [ ! -f "$build_dir/build.ninja" ]; then
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
  fi
  [ -n "${BENCH_BATON:-}" ] || cmake --build "$build_dir" -j "$jobs" --target baton >&2
fi
cmake --build "$build_dir" -j "$jobs" --target baton_bare_server baton_fixed_rate >/dev/null
baton=${BENCH_BATON:-$build_dir/src/app/baton}
bare_server=$build_dir/bench/baton_bare_server
fixed_tool=$build_dir/bench/baton_fixed_rate
for b in "$baton" "$bare_server" "$fixed_tool"; do [ -x "$b" ] || die "missing $b"; done
baton=$(realpath "$baton")

# --- processes and temp dirs, always cleaned up ----------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/baton-bench.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if declare -F pg_cluster_stop >/dev/null; then pg_cluster_stop; fi
  [ -z "$pg_dir" ] || rm -rf "$pg_dir"
  rm -rf "$tmp"
}
pg_dir=""
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_pid PID: SIGTERM, wait up to 15 s (Baton drains in-flight requests), then SIGKILL.
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=()
  for p in "${pids[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  pids=("${kept[@]+"${kept[@]}"}")
}

# wait_line FILE: the first line of FILE once it is complete (up to 30 s).
wait_line() {
  for _ in $(seq 1 300); do
    if [ -s "$1" ] && [ "$(wc -l <"$1")" -ge 1 ]; then head -n 1 "$1"; return 0; fi
    sleep 0.1
  done
  return 1
}

field() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1"; }

# start_baton NAME: a fresh workspace with a token; sets baton_port, baton_pid, token, ws.
start_baton() {
  ws=$tmp/$1
  "$baton" init "$ws" >/dev/null
  token=$("$baton" --workspace "$ws" --json token create ari |
    sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || die "no token from baton token create"
  "$baton" --workspace "$ws" serve --listen 127.0.0.1:0 --quiet --rate-limit 0 \
    --workers "$workers" >"$ws/serve.out" 2>"$ws/serve.err" &
  baton_pid=$!
  pids+=("$baton_pid")
  local line
  line=$(wait_line "$ws/serve.out") || die "baton serve did not start: $(cat "$ws/serve.err")"
  baton_port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\).*|\1|p' <<<"$line")
  [ -n "$baton_port" ] || die "cannot read the port from: $line"
}

# durable_counts: "EVENTS HANDOFFS" from /metrics once the numbers settle (in-flight
# requests of a finished run still commit).
durable_counts() {
  local prev="" now=""
  for _ in $(seq 1 20); do
    now=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$baton_port/metrics" |
      awk '/^baton_events_ingested_total /{e=$2} /^baton_handoffs\{/{h+=$2}
           END{printf "%d %d\n", e, h}') || now=""
    [ -n "$now" ] && [ "$now" = "$prev" ] && break
    prev=$now
    sleep 0.5
  done
  echo "$now"
}

check_failures=0
counts_fn=durable_counts  # how check_durable counts: this server's /metrics, or PostgreSQL
# check_durable LABEL OK SLACK: stored handoffs must equal stored events and lie within
# [OK, OK + SLACK]: wrk stops its clock with up to one request per connection in flight,
# which the server still commits but wrk does not count.
check_durable() {
  local label=$1 ok=$2 slack=$3 counts events handoffs
  counts=$($counts_fn)
  events=${counts% *}
  handoffs=${counts#* }
  if [ -n "$counts" ] && [ "$events" = "$handoffs" ] && [ "$handoffs" -ge "$ok" ] &&
    [ "$handoffs" -le $((ok + slack)) ]; then
    check="ok: $handoffs handoffs for $ok 202s"
  else
    check="MISMATCH: events=$events handoffs=$handoffs 202s=$ok (slack $slack)"
    check_failures=$((check_failures + 1))
  fi
  say "    durable check ($label): $check"
}

# idle_pct: the share of CPU time the whole machine spent idle over the next 2 s.
idle_pct() {
  local a b
  a=($(head -n 1 /proc/stat)); sleep 2; b=($(head -n 1 /proc/stat))
  awk -v i1="${a[4]}" -v i2="${b[4]}" -v t1="$(IFS=+; echo $((${a[*]:1})))" \
    -v t2="$(IFS=+; echo $((${b[*]:1})))" 'BEGIN{printf "%.0f%%", 100 * (i2 - i1) / (t2 - t1)}'
}

# What else ran: during each measurement, the CPU time the whole machine used minus what
# the server under test and this script's children (wrk, the fixed-rate tool) used, as a
# share of the machine. Anything above a few percent means the figures are disturbed.
hz=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu /{print $2 + $3 + $4}' /proc/stat; }  # user, nice, system: irq and softirq time (loopback TCP) is not charged to any process
# proc_ticks PID...: CPU ticks (user + system) of each process, of the children it reaped,
# and of its live children (PostgreSQL's backends are children of its postmaster).
proc_ticks() {
  local total=0 pid child t
  for pid in "$@"; do
    t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + t))
    for child in $(pgrep -P "$pid" 2>/dev/null); do
      t=$(awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || echo 0)
      total=$((total + t))
    done
  done
  echo "$total"
}
# `times` must run in this shell, not in a $(...) subshell, whose children are its own.
children_seconds() {
  times >"$tmp/times"
  tail -n 1 "$tmp/times" | awk '{split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2]}'
}
# foreign_begin PID...: the processes under test (a server, or several nodes and PostgreSQL).
foreign_begin() { f_m0=$(machine_ticks); f_p0=$(proc_ticks "$@"); children_seconds >"$tmp/c0"; f_c0=$(cat "$tmp/c0"); f_t0=$(date +%s.%N); f_pids=("$@"); }
foreign_end() {
  local m1 p1 c1 t1
  m1=$(machine_ticks); p1=$(proc_ticks "${f_pids[@]}"); children_seconds >"$tmp/c1"; c1=$(cat "$tmp/c1"); t1=$(date +%s.%N)
  foreign=$(awk -v m="$((m1 - f_m0))" -v p="$((p1 - f_p0))" -v c0="$f_c0" -v c1="$c1" -v hz="$hz" \
    -v t0="$f_t0" -v t1="$t1" -v n="$(nproc)" \
    'BEGIN{x = 100 * ((m - p) / hz - (c1 - c0)) / (n * (t1 - t0)); if (x < 0) x = 0; printf "%.0f%%", x}')
}

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
say ""
say "Baton intake benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "machine: $(nproc) cores, ${cpu_model:-unknown CPU}; baton $("$baton" version 2>/dev/null | head -n 1)"
say "before: load average $(cut -d' ' -f1-3 /proc/loadavg), CPU idle $(idle_pct) (benchmarks want a quiet machine)"
say "wrk ${duration}s per run, connections: $connection_counts; baton serve --workers $workers"
say ""

# --- the bare ceiling: one server for every connection count ---------------------------
"$bare_server" >"$tmp/bare.out" 2>"$tmp/bare.err" &
bare_pid=$!
pids+=("$bare_pid")
bare_port=$(wait_line "$tmp/bare.out") || die "bare server did not start"

# run_wrk PORT CONNECTIONS PREFIX TOKEN: prints wrk's RESULT line.
run_wrk() {
  local threads=$(($2 < 2 ? 1 : 2))
  BATON_TOKEN=$4 BENCH_ID_PREFIX=$3 wrk -t"$threads" -c"$2" -d"${duration}s" --timeout 10s \
    -s "$root/bench/post_event.lua" "http://127.0.0.1:$1/" >"$tmp/wrk.out" 2>&1 ||
    die "wrk failed: $(cat "$tmp/wrk.out")"
  grep '^RESULT ' "$tmp/wrk.out" || die "no RESULT from wrk: $(cat "$tmp/wrk.out")"
}

ms() { awk -v us="$1" 'BEGIN{printf "%.2f", us / 1000}'; }

rows=()
declare -A sqlite_rate=() sqlite_p99=()
run_id=$(date +%s)-$$
for c in $connection_counts; do
  say "connections $c:"
  foreign_begin "$bare_pid"
  bare=$(run_wrk "$bare_port" "$c" "bare-$run_id-c$c" "")
  foreign_end
  bare_foreign=$foreign
  bare_rate=$(field "$bare" rate)
  say "  bare  $(printf '%9.0f' "$bare_rate") req/s   p50 $(ms "$(field "$bare" p50_us)") ms   p99 $(ms "$(field "$bare" p99_us)") ms   non-2xx $(field "$bare" non2xx)   other load $bare_foreign"

  start_baton "ws-c$c"
  foreign_begin "$baton_pid"
  res=$(run_wrk "$baton_port" "$c" "baton-$run_id-c$c" "$token")
  foreign_end
  rate=$(field "$res" rate)
  requests=$(field "$res" requests)
  non2xx=$(field "$res" non2xx)
  errors=$(($(field "$res" connect_errors) + $(field "$res" read_errors) + $(field "$res" write_errors) + $(field "$res" timeouts)))
  ok=$((requests - non2xx))
  ok_rate=$(awk -v ok="$ok" -v us="$(field "$res" duration_us)" 'BEGIN{printf "%.1f", ok / (us / 1e6)}')
  ratio=$(awk -v a="$ok_rate" -v b="$bare_rate" 'BEGIN{printf "%.0f", (b > 0) ? 100 * a / b : 0}')
  say "  baton $(printf '%9.0f' "$ok_rate") ev/s    p50 $(ms "$(field "$res" p50_us)") ms   p99 $(ms "$(field "$res" p99_us)") ms   non-2xx $non2xx  socket errors $errors   = ${ratio}% of bare   other load $foreign"
  check_durable "c=$c" "$ok" "$((c + $(field "$res" timeouts)))"
  stop_pid "$baton_pid"
  rm -rf "$ws"
  sqlite_rate[$c]=$(printf '%.0f' "$ok_rate")
  sqlite_p99[$c]=$(ms "$(field "$res" p99_us)")
  rows+=("| $c | $(printf '%.0f' "$bare_rate") | $(ms "$(field "$bare" p50_us)") | $(ms "$(field "$bare" p99_us)") | $(printf '%.0f' "$ok_rate") | $(ms "$(field "$res" p50_us)") | $(ms "$(field "$res" p99_us)") | ${ratio}% | $bare_foreign / $foreign | $check |")
done
stop_pid "$bare_pid"

fixed_rows=()
for rate_target in $fixed_rates; do
  [ "$rate_target" != 0 ] || continue
  say ""
  say "fixed rate: $rate_target events/s for ${duration}s on $fixed_connections connections (open loop):"
  start_baton "ws-fixed-$rate_target"
  foreign_begin "$baton_pid"
  "$fixed_tool" --port "$baton_port" --token "$token" --rate "$rate_target" \
    --duration "$duration" --connections "$fixed_connections" --id-prefix "fixed-$run_id-$rate_target" \
    >"$tmp/fixed.out" 2>&1 || die "baton_fixed_rate failed: $(cat "$tmp/fixed.out")"
  foreign_end
  grep -v '^RESULT ' "$tmp/fixed.out" | sed 's/^/  /' >&2
  say "  other load $foreign"
  fixed=$(grep '^RESULT ' "$tmp/fixed.out")
  # Requests still in flight when the tool gave up may yet be committed.
  check_durable "fixed $rate_target/s" "$(field "$fixed" ok)" "$(($(field "$fixed" inflight) + $(field "$fixed" errors)))"
  stop_pid "$baton_pid"
  rm -rf "$ws"
  fixed_rows+=("| $rate_target | $fixed_connections | $(printf '%.0f' "$(field "$fixed" rate)") | $(field "$fixed" p50_ms) | $(field "$fixed" p99_ms) | $(field "$fixed" p999_ms) | $(field "$fixed" max_ms) | $(field "$fixed" other) / $(field "$fixed" errors) / $(field "$fixed" unfinished) | $foreign | $check |")
done

# --- PostgreSQL: one node, then several nodes on one database ---------------------------
pg_node_counts=${BENCH_PG_NODES-"1 2"}
pg_rows=()
pg_started=0
if [ -n "$pg_node_counts" ]; then
  # shellcheck source=../scripts/pg_cluster.sh
  . "$root/scripts/pg_cluster.sh"
  # Directly under /tmp: as root the server runs as baton-test, which must reach its files.
  pg_dir=$(mktemp -d /tmp/baton-bench-pg.XXXXXX)
  chmod 755 "$pg_dir"
  if pg_cluster_start "$pg_dir/cluster" durable; then
    pg_started=1
  else
    say "bench: skipping PostgreSQL: no throw-away server could be started"
  fi
fi

pg_sql() {
  PGPASSWORD=$PG_CLUSTER_PASSWORD "$PG_CLUSTER_BIN/psql" -At -X -h 127.0.0.1 -p "$PG_CLUSTER_PORT" \
    -U "$PG_CLUSTER_SUPERUSER" -d "$pg_db" -c "$1"
}
# pg_durable_counts: "EVENTS HANDOFFS" in the database once the numbers settle.
pg_durable_counts() {
  local prev="" now=""
  for _ in $(seq 1 20); do
    now=$(pg_sql "SELECT (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM handoffs)") || now=""
    [ -n "$now" ] && [ "$now" = "$prev" ] && break
    prev=$now
    sleep 0.5
  done
  echo "$now"
}

# start_pg_nodes DB N: a fresh database with the example workspace and a token, served by N
# `baton serve` processes; sets pg_db, token, node_pids, node_ports.
start_pg_nodes() {
  local i line port url
  pg_db=$1
  pg_cluster_createdb "$pg_db" || die "CREATE DATABASE $pg_db failed"
  url=$(pg_cluster_url "$pg_db")
  ws=$tmp/$pg_db
  "$baton" --db "$url" init "$ws" >/dev/null
  token=$("$baton" --db "$url" --json token create ari |
    sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || die "no token from baton token create"
  node_pids=()
  node_ports=()
  for i in $(seq 1 "$2"); do
    "$baton" --db "$url" serve --listen 127.0.0.1:0 --quiet --rate-limit 0 \
      --workers "$workers" >"$ws/serve-$i.out" 2>"$ws/serve-$i.err" &
    node_pids+=("$!")
    pids+=("$!")
  done
  for i in $(seq 1 "$2"); do
    line=$(wait_line "$ws/serve-$i.out") || die "baton serve did not start: $(cat "$ws/serve-$i.err")"
    port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\).*|\1|p' <<<"$line")
    [ -n "$port" ] || die "cannot read the port from: $line"
    node_ports+=("$port")
  done
}

# run_wrk_split CONNECTIONS PREFIX: one wrk per node, all at once, the connections split
# evenly (at least one each) and two wrk threads in all; prints one line: connections,
# 2xx per second summed over the nodes, requests, 2xx, non-2xx, socket errors, timeouts,
# and the worst node's p50 and p99 (µs).
run_wrk_split() {
  local c=$1 prefix=$2 n=${#node_ports[@]} per threads i wpids=()
  per=$((c / n))
  [ "$per" -ge 1 ] || per=1
  threads=$((per < 2 || n > 1 ? 1 : 2))
  for i in $(seq 0 $((n - 1))); do
    BATON_TOKEN=$token BENCH_ID_PREFIX=$prefix-node$i wrk -t"$threads" -c"$per" -d"${duration}s" \
      --timeout 10s -s "$root/bench/post_event.lua" "http://127.0.0.1:${node_ports[$i]}/" \
      >"$tmp/wrk-$i.out" 2>&1 &
    wpids+=("$!")
  done
  for i in $(seq 0 $((n - 1))); do
    wait "${wpids[$i]}" || die "wrk failed: $(cat "$tmp/wrk-$i.out")"
    grep -q '^RESULT ' "$tmp/wrk-$i.out" || die "no RESULT from wrk: $(cat "$tmp/wrk-$i.out")"
  done
  local line rate=0 requests=0 ok=0 non2xx=0 errors=0 timeouts=0 p50=0 p99=0
  for i in $(seq 0 $((n - 1))); do
    line=$(grep '^RESULT ' "$tmp/wrk-$i.out")
    local r=$(field "$line" requests) x=$(field "$line" non2xx) us=$(field "$line" duration_us)
    requests=$((requests + r))
    non2xx=$((non2xx + x))
    ok=$((ok + r - x))
    rate=$(awk -v a="$rate" -v ok=$((r - x)) -v us="$us" 'BEGIN{printf "%.1f", a + ok / (us / 1e6)}')
    errors=$((errors + $(field "$line" connect_errors) + $(field "$line" read_errors) + $(field "$line" write_errors)))
    timeouts=$((timeouts + $(field "$line" timeouts)))
    [ "$(field "$line" p50_us)" -le "$p50" ] || p50=$(field "$line" p50_us)
    [ "$(field "$line" p99_us)" -le "$p99" ] || p99=$(field "$line" p99_us)
  done
  echo "RESULT connections=$((per * n)) rate=$rate requests=$requests ok=$ok non2xx=$non2xx errors=$errors timeouts=$timeouts p50_us=$p50 p99_us=$p99"
}

if [ "$pg_started" = 1 ]; then
  say ""
  say "PostgreSQL $(basename "$(dirname "$PG_CLUSTER_BIN")") on 127.0.0.1:$PG_CLUSTER_PORT (fsync on, synchronous_commit on), baton serve --workers $workers; nodes: $pg_node_counts"
  counts_fn=pg_durable_counts
  for c in $connection_counts; do
    for n in $pg_node_counts; do
      say "connections $c, PostgreSQL, $n node(s):"
      start_pg_nodes "bench_c${c}_n${n}" "$n"
      foreign_begin "${node_pids[@]}" "$PG_CLUSTER_PID"
      res=$(run_wrk_split "$c" "pg-$run_id-c$c-n$n")
      foreign_end
      rate=$(field "$res" rate)
      versus=$(awk -v a="$rate" -v b="${sqlite_rate[$c]:-0}" 'BEGIN{printf "%.0f", (b > 0) ? 100 * a / b : 0}')
      say "  baton $(printf '%9.0f' "$rate") ev/s    p50 $(ms "$(field "$res" p50_us)") ms   p99 $(ms "$(field "$res" p99_us)") ms (worst node)   non-2xx $(field "$res" non2xx)  socket errors $(($(field "$res" errors) + $(field "$res" timeouts)))   = ${versus}% of SQLite   other load $foreign"
      check_durable "postgres c=$c nodes=$n" "$(field "$res" ok)" "$(($(field "$res" connections) + $(field "$res" timeouts)))"
      for pid in "${node_pids[@]}"; do stop_pid "$pid"; done
      rm -rf "$ws"
      pg_rows+=("| $c | ${sqlite_rate[$c]:-—} | ${sqlite_p99[$c]:-—} | $n | $(field "$res" connections) | $(printf '%.0f' "$rate") | $(ms "$(field "$res" p50_us)") | $(ms "$(field "$res" p99_us)") | ${versus}% | $foreign | $check |")
    done
  done
  pg_cluster_stop
fi

say ""
say "after: load average $(cut -d' ' -f1-3 /proc/loadavg), CPU idle $(idle_pct)"
echo ""
echo "| connections | bare req/s | bare p50 ms | bare p99 ms | Baton events/s | Baton p50 ms | Baton p99 ms | Baton / bare | other load (bare / Baton) | durable check |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
if [ ${#fixed_rows[@]} -gt 0 ]; then
  echo ""
  echo "| target events/s | connections | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms | non-202 / socket errors / unanswered | other load | durable check |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"
  printf '%s\n' "${fixed_rows[@]}"
fi
if [ ${#pg_rows[@]} -gt 0 ]; then
  echo ""
  echo "| connections | SQLite events/s | SQLite p99 ms | PostgreSQL nodes | wrk connections | PostgreSQL events/s (sum) | p50 ms (worst node) | p99 ms (worst node) | PostgreSQL / SQLite | other load | durable check |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${pg_rows[@]}"
fi
if [ "$check_failures" -gt 0 ]; then
  say "bench: $check_failures durable check(s) failed: stored handoffs do not match the 202s"
  exit 3
fi
