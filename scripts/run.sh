#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run Baton's main job on
# the embedded SQLite default — `baton serve` on a demo workspace with the example
# playbooks, people and events, printing the board's URL with a demo sign-in and a demo
# admin token. Ctrl-C stops it.
# It installs only what building and serving need (`scripts/deps.sh run`) and builds only the
# binary with its board, in Release (`scripts/build.sh run`, into build-run/); the tests'
# packages and build are scripts/test.sh's. scripts/fresh-machine.sh times this command on
# a fresh Debian root (docs/operations.md, "First run").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
scripts/build.sh run
baton="$PWD/build-run/src/app/baton"
demo="${BATON_DEMO_DIR:-$PWD/build-run/demo}"
listen="${BATON_LISTEN:-127.0.0.1:8080}"
rm -rf "$demo"
"$baton" init "$demo" >/dev/null
"$baton" --workspace "$demo" emit - < "$demo/events.jsonl"
token=$("$baton" --workspace "$demo" token create ari --label demo)  # the token alone: stdout is not a terminal
# A demo password for the board's sign-in (ari is an admin of the example people).
demo_password="${BATON_DEMO_PASSWORD:-baton-demo}"
printf '%s\n' "$demo_password" | "$baton" --workspace "$demo" passwd ari >/dev/null
echo
echo "The board (open handoffs):"
"$baton" --workspace "$demo" list
cat <<TXT

The board: http://$listen/ — sign in as ari@example.com with the password $demo_password
Demo admin token (ari): $token
Try, in another terminal:
  curl -s -H "Authorization: Bearer $token" http://$listen/v1/handoffs
  curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \\
       -d '{"type":"deal.won","id":"deal-2001","source":"crm","subject":"Blue Fern",
            "data":{"company":"Blue Fern","amount":7000,"pipeline":"services"}}' \\
       http://$listen/v1/events
  BATON_HOME=$demo $baton --as dana accept 1

TXT
exec "$baton" --workspace "$demo" serve --listen "$listen"
