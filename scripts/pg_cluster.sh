# scripts/pg_cluster.sh — a throw-away PostgreSQL server for scripts (bench/run.sh), the shell
# side of tests/support/pg_cluster.h, which it follows: Debian's binaries
# (/usr/lib/postgresql/<major>/bin, or BATON_PG_BIN); a fresh data directory under a directory
# the caller owns; a free loopback port; the socket in that directory; the superuser `baton`
# with a password over TCP (scram-sha-256); as root, the server runs as the system user
# `baton-test` (created with useradd when missing), since PostgreSQL refuses root. The data
# directory is a copy of the tests' initdb template (/tmp/baton-pg-template-<major>-<user>)
# when one exists, else initdb runs here.
#
# Source it, then:
#   pg_cluster_start DIR [durable]   starts a server with its files in DIR (made here); sets
#                                    PG_CLUSTER_PORT and PG_CLUSTER_PID. "durable" keeps
#                                    PostgreSQL's defaults (fsync, synchronous_commit on),
#                                    for benchmarks; without it, fsync is off as in the tests.
#   pg_cluster_url DB                postgres://baton:PASSWORD@127.0.0.1:PORT/DB
#   pg_cluster_createdb DB           CREATE DATABASE DB (UTF8)
#   pg_cluster_stop                  fast shutdown by PID (SIGINT), SIGKILL after 30 s
# The server gets SIGQUIT (immediate shutdown) if the sourcing shell dies first (setpriv
# --pdeathsig), so a killed script leaves no server behind. Errors go to stderr; each
# function returns non-zero on failure.

PG_CLUSTER_SUPERUSER=baton
PG_CLUSTER_PASSWORD=baton-test-secret
PG_CLUSTER_SERVER_USER=baton-test  # only when running as root
PG_CLUSTER_PORT=
PG_CLUSTER_PID=
PG_CLUSTER_DIR=
PG_CLUSTER_BIN=

# The highest-numbered /usr/lib/postgresql/*/bin with initdb and postgres.
pg_cluster_bin_dir() {
  if [ -n "${BATON_PG_BIN:-}" ]; then echo "$BATON_PG_BIN"; return 0; fi
  local best="" best_major=-1 d major
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/postgres" ] || continue
    major=$(basename "$(dirname "$d")")
    case $major in *[!0-9]*) continue ;; esac
    if [ "$major" -gt "$best_major" ]; then best=$d; best_major=$major; fi
  done
  [ -n "$best" ] && echo "$best"
}

# Runs "$@" as the server's account (baton-test when root, else ourselves).
pg_cluster_as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid="$PG_CLUSTER_SERVER_USER" --regid="$PG_CLUSTER_SERVER_USER" --clear-groups -- "$@"
  else
    "$@"
  fi
}

pg_cluster_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_cluster_start() {
  local dir=$1 mode=${2:-}
  PG_CLUSTER_BIN=$(pg_cluster_bin_dir) || true
  if [ -z "$PG_CLUSTER_BIN" ]; then
    echo "pg_cluster: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (scripts/deps.sh installs postgresql, or set BATON_PG_BIN)" >&2
    return 1
  fi
  local account
  account=$(id -un)
  if [ "$(id -u)" -eq 0 ]; then
    account=$PG_CLUSTER_SERVER_USER
    if ! id "$account" >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin "$account" ||
        { echo "pg_cluster: running as root, and cannot create the user $account" >&2; return 1; }
    fi
  fi
  PG_CLUSTER_DIR=$dir
  mkdir -p "$dir/socket" && chmod 700 "$dir" "$dir/socket" || return 1
  [ "$(id -u)" -ne 0 ] || chown -R "$account:" "$dir" || return 1
  local major template
  major=$(basename "$(dirname "$PG_CLUSTER_BIN")")
  template=/tmp/baton-pg-template-$major-$account/data
  if [ -f "$template/PG_VERSION" ]; then
    # The tests' template, under their lock so that a half-made one is never copied.
    ( flock 9; pg_cluster_as_server cp -a "$template" "$dir/data" ) 9>"/tmp/baton-pg-template-$major-$account.lock" ||
      { echo "pg_cluster: cannot copy $template" >&2; return 1; }
  else
    printf '%s\n' "$PG_CLUSTER_PASSWORD" >"$dir/pwfile"
    [ "$(id -u)" -ne 0 ] || chown "$account:" "$dir/pwfile"
    pg_cluster_as_server "$PG_CLUSTER_BIN/initdb" -D "$dir/data" -U "$PG_CLUSTER_SUPERUSER" \
      --pwfile="$dir/pwfile" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C \
      --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
      { echo "pg_cluster: initdb failed: $(cat "$dir/initdb.log")" >&2; return 1; }
  fi
  local settings=(-c listen_addresses=127.0.0.1 -c max_connections=100 -c logging_collector=off)
  if [ "$mode" = durable ]; then
    settings+=(-c shared_buffers=128MB)
  else
    settings+=(-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=16MB)
  fi
  local attempt
  for attempt in 1 2 3 4 5; do
    PG_CLUSTER_PORT=$(pg_cluster_free_port) || return 1
    # PostgreSQL cannot take port 0; a start that loses the port to someone else is retried.
    if [ "$(id -u)" -eq 0 ]; then
      setpriv --reuid="$account" --regid="$account" --clear-groups --pdeathsig QUIT -- \
        "$PG_CLUSTER_BIN/postgres" -D "$dir/data" -p "$PG_CLUSTER_PORT" -k "$dir/socket" \
        "${settings[@]}" >>"$dir/postgres.log" 2>&1 </dev/null &
    else
      setpriv --pdeathsig QUIT -- "$PG_CLUSTER_BIN/postgres" -D "$dir/data" -p "$PG_CLUSTER_PORT" \
        -k "$dir/socket" "${settings[@]}" >>"$dir/postgres.log" 2>&1 </dev/null &
    fi
    PG_CLUSTER_PID=$!
    local i
    for i in $(seq 1 600); do
      kill -0 "$PG_CLUSTER_PID" 2>/dev/null || break
      if "$PG_CLUSTER_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_CLUSTER_PORT"; then return 0; fi
      sleep 0.1
    done
    pg_cluster_stop
  done
  echo "pg_cluster: postgres did not start: $(tail -n 20 "$dir/postgres.log")" >&2
  return 1
}

pg_cluster_url() {
  echo "postgres://$PG_CLUSTER_SUPERUSER:$PG_CLUSTER_PASSWORD@127.0.0.1:$PG_CLUSTER_PORT/$1"
}

pg_cluster_createdb() {
  PGPASSWORD=$PG_CLUSTER_PASSWORD "$PG_CLUSTER_BIN/psql" -q -X -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$PG_CLUSTER_PORT" -U "$PG_CLUSTER_SUPERUSER" -d postgres \
    -c "CREATE DATABASE \"$1\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null
}

pg_cluster_stop() {
  [ -n "$PG_CLUSTER_PID" ] || return 0
  kill -INT "$PG_CLUSTER_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 300); do kill -0 "$PG_CLUSTER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PG_CLUSTER_PID" 2>/dev/null || true
  wait "$PG_CLUSTER_PID" 2>/dev/null || true
  PG_CLUSTER_PID=
}
