#!/usr/bin/env bash
# The fresh-machine check: proves the README's commands on a Debian bookworm root that has
# nothing but `debootstrap --variant=minbase`, so that a package installed by hand on a used
# machine cannot hide a missing install step. As root (it uses debootstrap, chroot and a
# private mount namespace per step):
#   1. A minimal bookworm root from the Debian archive this machine's apt already uses
#      (cached as a tarball in $BATON_FRESH_CACHE, default /var/cache/baton-fresh; --refresh
#      makes it again).
#   2. The checkout's HEAD cloned into it; the README's first command run exactly as the
#      README writes it (only BATON_LISTEN picks a free port); timed until /livez, the
#      board's page and GET /v1/handoffs with the printed demo token answer, with the demo's
#      handoffs. The time is printed against the 300 s budget of docs/operations.md.
#   3. The test command's install step (`scripts/deps.sh test`) in the same root, then a
#      configure of the whole test tree and a look for every tool the tests start, so that
#      a package only the tests need cannot go missing either.
#   4. The .deb built there with cpack, installed with `apt-get install ./baton_*.deb` in a
#      second fresh root, started the way its unit's ExecStart does (as the user of User=,
#      with the EnvironmentFile=), and shown answering.
# Everything it started is stopped by PID and both roots are removed, also on failure.
# Exit 0 when every step passed; 1 when one failed (the failing step says which, with the
# end of its log); 2 for a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

refresh=0
keep=0
base_only=0
for arg in "$@"; do
  case "$arg" in
    --refresh) refresh=1 ;;
    --base-only) base_only=1 ;;  # make (or refresh) the cached base root, nothing else
    --keep) keep=1 ;;  # leave the roots in place for a look (they are removed otherwise)
    *)
      echo "usage: scripts/fresh-machine.sh [--refresh] [--keep] [--base-only]" >&2
      exit 2
      ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-machine: needs root (debootstrap, chroot, mount namespaces)" >&2
  exit 2
fi
for tool in debootstrap unshare chroot curl git python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fresh-machine: \`$tool\` is missing: scripts/deps.sh test installs it" >&2
    exit 2
  fi
done

cache="${BATON_FRESH_CACHE:-/var/cache/baton-fresh}"
work=$(mktemp -d "${BATON_FRESH_DIR:-/var/tmp}/baton-fresh.XXXXXX")
budget_s=300
deadline_s="${BATON_FRESH_TIMEOUT:-1800}"  # a hung step fails; a slow one only reports
pids=()

log() { printf 'fresh-machine: %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

# Stops what we started (by PID: each runs in its own session, so its process group holds
# the whole tree) and removes the roots. The mounts live in private namespaces that end with
# their processes, and rm stays on the roots' own file system in any case.
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$keep" -eq 1 ]; then
    log "kept $work"
  else
    if findmnt -rn -o TARGET | grep -q "^$work"; then
      log "a mount is still under $work: not removing it"
    else
      rm -rf --one-file-system "$work"
    fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The archive of this machine's apt: the first deb822 or one-line source for bookworm.
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' \
    /etc/apt/sources.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

base_tarball() {
  local tarball="$cache/bookworm-minbase.tar.gz"
  if [ "$refresh" -eq 0 ] && [ -s "$tarball" ]; then
    echo "$tarball"
    return
  fi
  mkdir -p "$cache"
  local mirror stage started=$SECONDS
  mirror=$(debian_mirror)
  stage=$(mktemp -d "$cache/stage.XXXXXX")
  chmod 0755 "$stage"
  log "debootstrap --variant=minbase bookworm from $mirror"
  if ! debootstrap --variant=minbase bookworm "$stage" "$mirror" >"$cache/debootstrap.log" 2>&1
  then
    tail -n 20 "$cache/debootstrap.log" >&2
    rm -rf --one-file-system "$stage"
    fail "debootstrap could not make a bookworm root (log: $cache/debootstrap.log)"
  fi
  # The same archives as this machine's apt: bookworm, its updates and security.
  rm -f "$stage/etc/apt/sources.list"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] && grep -q bookworm "$f" && cp "$f" "$stage/etc/apt/sources.list.d/"
  done
  [ -n "$(ls "$stage/etc/apt/sources.list.d/" 2>/dev/null)" ] ||
    echo "deb $mirror bookworm main" >"$stage/etc/apt/sources.list"
  tar -C "$stage" -czf "$tarball.new" .
  mv "$tarball.new" "$tarball"
  rm -rf --one-file-system "$stage"
  log "made $tarball in $((SECONDS - started)) s"
  echo "$tarball"
}

# A fresh root from the base. Of this machine it takes only what its network is: the name
# server, and the local certificate authorities this workplace's HTTPS egress is signed by
# (/usr/local/share/ca-certificates, which the root's ca-certificates package picks up when
# scripts/deps.sh installs it) — no package, no file of the project's.
new_root() {
  local root="$work/$1"
  mkdir -p "$root"
  tar -C "$root" -xzf "$tarball"
  # The archive's "." is mktemp's 0700 directory: a root that only root can enter would
  # hide what a system user (the package's) meets on a real machine.
  chmod 0755 "$root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mkdir -p "$root/usr/local/share/ca-certificates"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
  echo "$root"
}

# Runs a command in a root: a private mount namespace with /proc and /dev, a clean
# environment as a fresh login would have, and the given extra variables.
in_root() {
  local root="$1"
  shift
  unshare --mount --propagation private -- /bin/sh -c '
    root=$1; shift
    mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" &&
      mount -t sysfs sys "$root/sys" && mount -t tmpfs tmp "$root/dev/shm" || exit 97
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 TERM=dumb ${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS} \
      "$@"' sh "$root" "$@"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts a command in a root in the background, in its own session (so that its process
# group is the whole tree), output to a log; its PID in STARTED_PID.
start_in_root() {
  local root="$1" logfile="$2"
  shift 2
  setsid bash -c '"$@"' bash in_root_wrapper "$root" "$@" >"$logfile" 2>&1 </dev/null &
  STARTED_PID=$!
  pids+=("$STARTED_PID")
}
in_root_wrapper() { in_root "$@"; }
export -f in_root in_root_wrapper

# Polls until every URL check passes, the process dies, or the deadline: prints the seconds.
wait_until_serving() {
  local pid="$1" logfile="$2" port="$3" started="$4" token_from_log="$5"
  local base="http://127.0.0.1:$port"
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$logfile" >&2
      fail "the command ended before the server answered (its log's end is above)"
    fi
    if [ $((SECONDS - started)) -gt "$deadline_s" ]; then
      tail -n 30 "$logfile" >&2
      fail "no answer within ${deadline_s} s"
    fi
    if curl -fsS -m 2 "$base/livez" >/dev/null 2>&1 &&
      curl -fsS -m 5 "$base/" 2>/dev/null | grep -qi '<!doctype html'; then
      local token=""
      if [ "$token_from_log" = yes ]; then
        token=$(sed -n 's/^Demo admin token (ari): //p' "$logfile" | tail -n 1)
        [ -n "$token" ] || fail "the server answers, but the log shows no demo token"
      else
        token="$token_from_log"
      fi
      local list
      list=$(curl -fsS -m 5 -H "Authorization: Bearer $token" "$base/v1/handoffs" 2>/dev/null) ||
        fail "GET /v1/handoffs with the token did not answer 200"
      echo "$list"
      return 0
    fi
    sleep 1
  done
}

readme_first_command() {
  awk '/^```sh/ {inside=1; next} inside {sub(/[[:space:]]*#.*/, ""); print; exit}' README.md
}

run_first_command() {
  local root command port pid started list seconds
  root=$(new_root run)
  git clone --quiet --no-hardlinks "$top" "$root/root/baton"
  command=$(readme_first_command)
  [ -n "$command" ] || fail "README.md has no first command in a \`\`\`sh block"
  port=$(free_port)
  log "step 2: \`$command\` in a fresh root (BATON_LISTEN=127.0.0.1:$port)"
  started=$SECONDS
  start_in_root "$root" "$work/run.log" BATON_LISTEN="127.0.0.1:$port" \
    /bin/bash -c "cd /root/baton && $command"
  pid=$STARTED_PID
  list=$(wait_until_serving "$pid" "$work/run.log" "$port" "$started" yes)
  seconds=$((SECONDS - started))
  grep -q '"subject":"Acme Dental"' <<<"$list" ||
    fail "GET /v1/handoffs answered, but without the demo's handoffs: ${list:0:300}"
  if [ "$seconds" -le "$budget_s" ]; then
    log "first command: board and API answered after $seconds s (budget $budget_s s)"
  else
    log "first command: board and API answered after $seconds s: OVER the budget of" \
      "$budget_s s (a loaded machine? docs/operations.md has the quiet figure)"
  fi
  echo "fresh-machine: first-command-seconds $seconds"
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  RUN_ROOT=$root
}

check_test_install() {
  local root="$RUN_ROOT" started=$SECONDS
  log "step 3: the test command's install step (scripts/deps.sh test) in the same root"
  if ! in_root "$root" /bin/bash -c 'cd /root/baton && scripts/deps.sh test' \
    >"$work/deps-test.log" 2>&1; then
    tail -n 30 "$work/deps-test.log" >&2
    fail "scripts/deps.sh test failed in a fresh root"
  fi
  # The test tree configures (GoogleTest, Google Benchmark, every find_package), and every
  # program the tests start is there.
  if ! in_root "$root" /bin/bash -c '
      set -e
      cd /root/baton
      cmake -S . -B /tmp/test-tree -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
      for t in chromium clang++ g++ ninja node npm sqlite3 git curl; do
        command -v "$t" >/dev/null || { echo "missing: $t"; exit 1; }
      done
      ls /usr/lib/postgresql/*/bin/initdb >/dev/null || { echo "missing: initdb"; exit 1; }
      python3 -c "import aiosmtpd" || { echo "missing: aiosmtpd"; exit 1; }
      ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null ||
        { echo "missing: libFuzzer"; exit 1; }' >"$work/test-tree.log" 2>&1; then
    tail -n 30 "$work/test-tree.log" >&2
    fail "after scripts/deps.sh test, the test tree cannot be configured or a tool is missing"
  fi
  log "test install step: every package the tests need installed in $((SECONDS - started)) s"
}

build_deb() {
  local root="$RUN_ROOT"
  log "step 4: cpack -G DEB in the run build"
  if ! in_root "$root" /bin/bash -c 'cd /root/baton/build-run && cpack -G DEB' \
    >"$work/cpack.log" 2>&1; then
    tail -n 30 "$work/cpack.log" >&2
    fail "cpack could not build the .deb"
  fi
  DEB=$(ls "$root"/root/baton/build-run/baton_*.deb | head -n 1)
  [ -s "$DEB" ] || fail "cpack ran but wrote no baton_*.deb"
  log "built $(basename "$DEB") ($(du -h "$DEB" | cut -f1))"
}

check_deb() {
  local root port pid started unit execstart user list token
  root=$(new_root deb)
  cp "$DEB" "$root/tmp/"
  started=$SECONDS
  log "step 4: apt-get install ./$(basename "$DEB") in a second fresh root"
  if ! in_root "$root" /bin/bash -c 'cd /tmp && apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ./baton_*.deb' \
    >"$work/deb-install.log" 2>&1; then
    tail -n 30 "$work/deb-install.log" >&2
    fail "apt-get install of the .deb failed"
  fi
  log "installed the .deb with its dependencies in $((SECONDS - started)) s"
  unit="$root/usr/lib/systemd/system/baton.service"
  [ -f "$unit" ] || fail "the .deb installed no baton.service"
  execstart=$(sed -n 's/^ExecStart=//p' "$unit")
  user=$(sed -n 's/^User=//p' "$unit")
  [ -n "$execstart" ] && [ -n "$user" ] || fail "baton.service has no ExecStart= or User="
  grep -q "^$user:" "$root/etc/passwd" || fail "the .deb did not create the user $user"
  [ "$(stat -c %a "$root/var/lib/baton")" = 700 ] || fail "/var/lib/baton is not 0700"
  # The admin's listen address, as one would set it in the configuration file.
  port=$(free_port)
  sed -i "s/^BATON_LISTEN=.*/BATON_LISTEN=127.0.0.1:$port/" "$root/etc/baton/baton.env"
  token=$(in_root "$root" /sbin/runuser -u "$user" -- /bin/sh -c \
    'set -a; . /etc/baton/baton.env; set +a; baton token create ari --label fresh-machine' |
    tail -n 1)
  [ -n "$token" ] || fail "could not make a token in the installed workspace"
  log "starting \`$execstart\` as $user with /etc/baton/baton.env"
  started=$SECONDS
  start_in_root "$root" "$work/deb-serve.log" /sbin/runuser -u "$user" -- /bin/sh -c \
    "set -a; . /etc/baton/baton.env; set +a; umask 077; exec $execstart"
  pid=$STARTED_PID
  list=$(wait_until_serving "$pid" "$work/deb-serve.log" "$port" "$started" "$token")
  grep -q '"items"' <<<"$list" || fail "GET /v1/handoffs answered something else: ${list:0:300}"
  log "the installed package serves: /livez, the board and GET /v1/handoffs answered"
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

total_started=$SECONDS
tarball=$(base_tarball)
[ "$base_only" -eq 1 ] && exit 0
run_first_command
check_test_install
build_deb
check_deb
log "every step passed in $((SECONDS - total_started)) s"
