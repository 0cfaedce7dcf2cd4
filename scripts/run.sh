#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run Baton's main job on
# the embedded SQLite default — a demo workspace with the example playbooks and people,
# the example events emitted, and the board printed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
baton=build/src/app/baton
demo="${BATON_DEMO_DIR:-build/demo}"
rm -rf "$demo"
"$baton" init "$demo"
echo
"$baton" --workspace "$demo" emit - < "$demo/events.jsonl"
echo
echo "The board (open handoffs):"
"$baton" --workspace "$demo" list
echo
"$baton" --workspace "$demo" relay "Acme Dental"
echo
echo "Try: $baton --workspace $demo show 1"
echo "     $baton --workspace $demo --as dana accept 1"
